// Test support: a small LAN of two network namespaces joined by a veth pair, as a teacher's laptop and a student's
// computer on a school network, made with iproute2 and removed whole (see namespaces.ts).
import { addNamespace, type Host, ip, namespaceHost, removeNamespaces } from './namespaces.js';

export class Lan {
  private constructor(
    readonly teacher: Host,
    readonly student: Host,
  ) {}

  /** Two hosts on 10.77.0.0/24 (teacher .1, student .2). */
  static create(): Lan {
    const tag = process.pid.toString(36);
    const lan = new Lan(namespaceHost('teacher', '10.77.0.1'), namespaceHost('student', '10.77.0.2'));
    const ends = [`rxt${tag}`, `rxs${tag}`] as const;
    try {
      for (const { namespace } of [lan.teacher, lan.student]) addNamespace(namespace);
      ip('link', 'add', ends[0], 'type', 'veth', 'peer', 'name', ends[1]);
      for (const [index, { namespace, address }] of [lan.teacher, lan.student].entries()) {
        const end = ends[index] ?? '';
        ip('link', 'set', end, 'netns', namespace);
        ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', end);
        ip('-n', namespace, 'link', 'set', end, 'up');
      }
    } catch (error) {
      lan.remove();
      throw error;
    }
    return lan;
  }

  /** Removes both namespaces; what still runs in them loses its network. */
  remove(): void {
    removeNamespaces([this.teacher.namespace, this.student.namespace]);
  }
}
