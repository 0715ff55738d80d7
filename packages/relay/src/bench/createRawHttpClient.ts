import { connect, type Socket } from 'node:net';

export type RawHttpAnswer = { status: number; body: Buffer };

export type RawHttpClient = {
  /**
   * One HTTP/1.1 request over an idle keep-alive connection (a new one when none is idle): the head and the
   * body go out in one vectored socket write, the answer is parsed only as far as its status line and
   * Content-Length.
   */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Uint8Array,
  ): Promise<RawHttpAnswer>;
  close(): void;
};

const headEndMark = Buffer.from('\r\n\r\n');

type Connection = {
  socket: Socket;
  onData: ((chunk: Buffer) => void) | undefined;
  failed: Error | undefined;
};

/**
 * The bench's lightest upload client (the PUT counterpart of driveRawLoad.ts): what an HTTP client must do at
 * least to send a body, so that a figure taken with it shows what the server and the loopback allow, apart from
 * node:http's client (its header handling, its own chunking of the body and stream events). Answers must carry
 * Content-Length (Fastify's and node:http's small answers do).
 *
 * @example
 * const client = createRawHttpClient('127.0.0.1', 7070);
 * const { status } = await client.request('PUT', '/x', { 'content-type': 'application/octet-stream' }, bytes);
 */
export function createRawHttpClient(host: string, port: number): RawHttpClient {
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const open = () =>
    new Promise<Connection>((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const connection: Connection = { socket, onData: undefined, failed: undefined };
      socket.once('connect', () => resolve(connection));
      socket.on('data', (chunk: Buffer) => connection.onData?.(chunk));
      socket.on('error', (error) => {
        connection.failed = error;
        reject(error);
      });
      socket.on('close', () => {
        all.delete(connection);
        const at = idle.indexOf(connection);
        if (at >= 0) idle.splice(at, 1);
        connection.failed ??= new Error('connection closed');
        connection.onData?.(Buffer.alloc(0));
      });
      all.add(connection);
    });
  return {
    async request(method, path, headers, body) {
      const connection = idle.pop() ?? (await open());
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\n`;
      if (body) head += `content-length: ${body.length}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      const answer = new Promise<RawHttpAnswer>((resolve, reject) => {
        let pending: Buffer = Buffer.alloc(0);
        connection.onData = (chunk) => {
          if (connection.failed) {
            connection.onData = undefined;
            reject(connection.failed);
            return;
          }
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          const headEnd = pending.indexOf(headEndMark);
          if (headEnd < 0) return;
          const text = pending.toString('latin1', 0, headEnd);
          const length = /\r\ncontent-length: *(\d+)/i.exec(text);
          if (!length) {
            connection.onData = undefined;
            connection.socket.destroy();
            reject(new Error(`answer without Content-Length: ${text.slice(0, 200)}`));
            return;
          }
          const end = headEnd + 4 + Number(length[1]);
          if (pending.length < end) return;
          connection.onData = undefined;
          idle.push(connection);
          resolve({ status: Number(text.slice(9, 12)), body: pending.subarray(headEnd + 4, end) });
        };
      });
      // One writev for the head and the body (a view of the caller's bytes, no copy).
      connection.socket.cork();
      connection.socket.write(`${head}\r\n`, 'latin1');
      if (body) connection.socket.write(Buffer.from(body.buffer, body.byteOffset, body.length));
      connection.socket.uncork();
      return answer;
    },
    close() {
      for (const connection of all) connection.socket.destroy();
      all.clear();
      idle.length = 0;
    },
  };
}
