// What a mesh node writes about itself: one message per event, with fields for machines. `rxmesh` prints them as
// text or JSON lines (apps/host/src/log.ts); a web page may send them to the console.

export type LogFields = Record<string, string | number | boolean | null>;

export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
