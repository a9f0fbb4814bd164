/**
 * Commands that build something to show it (a lab, hypervisors, a controller) and must leave
 * nothing behind: `teardown` runs once whatever happens. A Ctrl-C or SIGTERM tears down and exits
 * 130, as a shell expects of an interrupted command.
 */
export async function withTeardown<T>(say: (line: string) => void, teardown: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  let done: Promise<void> | undefined;
  const once = (): Promise<void> => (done ??= teardown());
  const onSignal = (): void => {
    say('interrupted: tearing down');
    void once().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    say('tearing down');
    await once();
  }
}
