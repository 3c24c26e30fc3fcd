// The part of the `ws` package the Node host uses: a WebSocketServer handed to @hono/node-server,
// which does the upgrades (the project does not install @types/ws).
declare module "ws" {
  export class WebSocketServer {
    constructor(options: { noServer: true; maxPayload?: number });
  }
}
