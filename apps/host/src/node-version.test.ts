import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../bin/node-version.js';

describe('the Node.js version check', () => {
  it("refuses Debian 12's Node.js 18 and Node 20 before 20.19, with how to get a newer one", () => {
    for (const version of ['18.19.0', '20.18.1', '19.9.0']) {
      expect(nodeVersionProblem(version, '>=20.19')).toMatch(
        new RegExp(`needs Node.js 20.19 or newer, and this is ${version.replaceAll('.', '\\.')}.*NodeSource`),
      );
    }
  });

  it('takes 20.19 and anything newer', () => {
    for (const version of ['20.19.0', '20.20.2', '22.1.0', process.versions.node]) {
      expect(nodeVersionProblem(version, '>=20.19')).toBeUndefined();
    }
  });
});
