/**
 * A real nats-server for integration tests. Container mode (testcontainers over podman's
 * Docker API, image localhost/xtrace-nats built by podman-setup.sh from the host's binary)
 * when the podman socket answers and the image exists; otherwise a nats-server child
 * process. Force a mode with XTRACE_TEST_NATS=container|process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startEmbeddedNats } from '../../controller/src/embedded-nats.js';

export interface TestNats {
  url: string;
  mode: 'container' | 'process';
  stop(): Promise<void>;
}

export const PODMAN_SOCKET = '/run/podman/podman.sock';

function natsVersion(): string {
  const out = execFileSync('/usr/sbin/nats-server', ['--version']).toString();
  return /v(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? 'latest';
}

export function containerImage(): string {
  return `localhost/xtrace-nats:${natsVersion()}-r2`; // IMAGE_REV in podman-setup.sh
}

function containerAvailable(): boolean {
  if (!existsSync(PODMAN_SOCKET)) return false;
  try {
    execFileSync('curl', ['-sf', '--max-time', '2', '--unix-socket', PODMAN_SOCKET, 'http://d/_ping'], { stdio: 'ignore' });
    execFileSync('podman', ['image', 'exists', containerImage()], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startContainer(): Promise<TestNats> {
  process.env.DOCKER_HOST ??= `unix://${PODMAN_SOCKET}`;
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(containerImage())
    .withCommand(['-js', '-sd', '/tmp/js'])
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage('Server is ready'))
    .withStartupTimeout(30_000)
    .start();
  const url = `nats://${container.getHost() === 'localhost' ? '127.0.0.1' : container.getHost()}:${container.getMappedPort(4222)}`;
  return { url, mode: 'container', stop: async () => void (await container.stop({ timeout: 1000 })) };
}

async function startProcess(): Promise<TestNats> {
  const s = await startEmbeddedNats({ instance: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
  return { url: s.url, mode: 'process', stop: s.stop };
}

export async function startTestNats(): Promise<TestNats> {
  const mode = process.env.XTRACE_TEST_NATS;
  if (mode === 'process') return startProcess();
  if (mode === 'container' || containerAvailable()) return startContainer();
  return startProcess();
}
