/**
 * Signs in through the server's own `POST /login` and prints `port <port> cookie <name=value>`,
 * the line the bench waits for: every server of the sessions bench, ours and the peers alike.
 */
/** The User-Agent of the sign-in and of every load request: one browser, as sessions bind to it. */
export const BENCH_USER_AGENT = 'rampart-bench/1';

export async function announce(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'user-agent': BENCH_USER_AGENT },
  });
  const setCookie = response.headers.getSetCookie()[0];
  if (response.status !== 200 || setCookie === undefined) {
    throw new Error(`POST /login answered ${response.status} without a cookie`);
  }
  console.log(`port ${port} cookie ${setCookie.split(';')[0]}`);
}
