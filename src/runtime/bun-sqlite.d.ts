// The part of bun:sqlite the Bun host uses (the project does not install @types/bun).
declare module "bun:sqlite" {
  export interface Statement {
    finalize(): void;
    readonly columnNames: string[];
    run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
    all(...params: unknown[]): unknown[];
    iterate(...params: unknown[]): IterableIterator<unknown>;
  }
  export class Database {
    constructor(path: string, options?: { create?: boolean; strict?: boolean; readonly?: boolean });
    run(sql: string): unknown;
    prepare(sql: string): Statement;
    close(): void;
  }
}
