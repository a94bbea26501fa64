import { banner } from './banner.js';
import { type AppConfig, parseConfig, USAGE } from './config.js';
import { ConfigError, HelpRequested } from './config-error.js';
import { type AppContext, createAppContext } from './context.js';
import { checkSecretsMatchStore, storedStateSecrets } from './secrets-check.js';
import { type RunningServer, startServer } from './server.js';
import { type AppStores, openStores, reason } from './stores/app-stores.js';
import { type AdminBootstrap, ensureBootstrapAdmin } from './users/bootstrap-admin.js';

/** Exit code of a bad option or environment variable (as most CLIs use for usage errors). */
const EXIT_USAGE = 2;
/** Shutdown steps still pending after this are abandoned and the process exits 1. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

function readConfig(): AppConfig | number {
  try {
    return parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof HelpRequested) {
      console.log(USAGE);
      return 0;
    }
    if (error instanceof ConfigError) {
      console.error(`example-api: ${error.message}`);
      console.error('Run with --help for the options.');
      return EXIT_USAGE;
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (typeof config === 'number') {
    process.exitCode = config;
    return;
  }

  let stores: AppStores;
  try {
    stores = await openStores(config);
  } catch (error) {
    console.error(`example-api: cannot open the ${config.store} store: ${reason(error)}`);
    process.exitCode = 1;
    return;
  }

  let ctx: AppContext;
  let admin: AdminBootstrap;
  try {
    // Before anything reads or writes keyed state: another run's secrets stop the start here.
    await checkSecretsMatchStore(
      stores.settings,
      storedStateSecrets(config),
      `the ${config.store} store`,
    );
    ctx = createAppContext(config, stores);
    admin = await ensureBootstrapAdmin(config, stores.users, ctx.services.hasher);
  } catch (error) {
    // A ConfigError names its variable first, as the configuration's own errors do.
    const what = error instanceof ConfigError ? '' : 'cannot start: ';
    console.error(`example-api: ${what}${reason(error)}`);
    await stores.close();
    process.exitCode = error instanceof ConfigError ? EXIT_USAGE : 1;
    return;
  }

  let server: RunningServer;
  try {
    server = await startServer(ctx);
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    console.error(
      inUse
        ? `example-api: --port: ${config.port} is already in use on ${config.host} (try --port 0)`
        : `example-api: cannot listen on ${config.host}:${config.port}: ${reason(error)}`,
    );
    await stores.close();
    process.exitCode = 1;
    return;
  }
  // The OAuth providers' redirect URIs need the bound URL (`--port 0`) unless PUBLIC_URL is
  // set; the OpenID Connect issuer is discovered here, before the app reports ready.
  try {
    await ctx.services.oauth.bind(server.url);
  } catch (error) {
    console.error(`example-api: ${reason(error)}`);
    await server.close();
    await ctx.services.audit.close();
    await stores.close();
    process.exitCode = error instanceof ConfigError ? EXIT_USAGE : 1;
    return;
  }

  let closing = false;
  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (closing) return;
    closing = true;
    console.log(`${signal}: closing the server and the stores`);
    const force = setTimeout(() => {
      console.error(`example-api: shutdown took over ${SHUTDOWN_TIMEOUT_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await server.close();
      // After the server: every request's events are queued; this writes them all.
      await ctx.services.audit.close();
      await stores.close();
    } catch (error) {
      console.error(`example-api: error while closing: ${reason(error)}`);
      process.exit(1);
    }
    // Explicit: an ioredis reconnect timer or a pg idle client must not keep a stopped app alive.
    process.exit(0);
  }
  // `once`: a second Ctrl-C gets Node's default handling and ends the process at once.
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
  // Only now: a reader that sees "Listening on" may signal at once, and a signal that arrived
  // before the handlers existed would kill the process with Node's default action, not close it.
  for (const line of banner(config, server.url, admin)) console.log(line);
}

await main();
