import { createSocket, type Socket } from 'node:dgram';

/**
 * n distinct UDP ports free on 127.0.0.1 right now (all bound at once, then released, so they
 * differ; another process could still take one before QEMU binds it, which QEMU would report).
 */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets: Socket[] = [];
  try {
    for (let k = 0; k < n; k++) {
      const s = createSocket('udp4');
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(0, '127.0.0.1', () => resolve());
      });
    }
    return sockets.map((s) => s.address().port);
  } finally {
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        // never bound: nothing to close
      }
    }
  }
}
