// The part of the `ws` package kafka-proxy uses: a client WebSocket (the project does not install
// @types/ws; Node 20, which the CLI supports, has no global WebSocket).
declare module "ws" {
  import type { IncomingMessage } from "node:http";
  export class WebSocket {
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    constructor(url: string, options?: { maxPayload?: number });
    readonly readyState: number;
    send(data: Uint8Array): void;
    terminate(): void;
    on(event: "open", listener: () => void): this;
    on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: "unexpected-response", listener: (req: unknown, res: IncomingMessage) => void): this;
    on(event: "close", listener: (code: number, reason: Buffer) => void): this;
    on(event: "error", listener: (err: Error) => void): this;
  }
}
