import type { Command } from 'commander';
import { ConclaveError } from '../../domain/errors.js';
import { openStore, type Store } from '../../store/db.js';
import type { StoredUser } from '../../store/user.repository.js';
import { cliContext } from '../context.js';

/**
 * `user list | grant-operator | revoke-operator | revoke-tokens | delete`: accounts on this server's database.
 * Every change takes effect on the running server at the next request: tokens are checked against the user
 * table on each one.
 */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('Accounts: list, operator role, token revocation, deletion');

  user
    .command('list')
    .description('Every account (JSON lines: id, username, email, role, operator via OPERATORS, created_at)')
    .action(() =>
      withStore(async (store, operators) => {
        for (const u of await store.users.list()) {
          const line = {
            id: u.id,
            username: u.username,
            email: u.email,
            role: u.role,
            operator: u.role === 'operator' || operators.has(u.username.toLowerCase()),
            created_at: new Date(u.createdAt).toISOString(),
          };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      }),
    );

  user
    .command('grant-operator')
    .argument('<username>', 'account name (any case)')
    .description('Make the account an operator: it may replace the enable map and run the shared scan')
    .action((name: string) =>
      withStore(async (store) => {
        const u = await find(store, name);
        await store.users.setRole(u.id, 'operator');
        process.stdout.write(`${u.username} (id ${u.id}) is an operator\n`);
      }),
    );

  user
    .command('revoke-operator')
    .argument('<username>', 'account name (any case)')
    .description('Take the stored operator role away (OPERATORS, if it names the account, still applies)')
    .action((name: string) =>
      withStore(async (store, operators) => {
        const u = await find(store, name);
        await store.users.setRole(u.id, 'user');
        const still = operators.has(u.username.toLowerCase()) ? '; OPERATORS still names it' : '';
        process.stdout.write(`${u.username} (id ${u.id}) has the role user${still}\n`);
      }),
    );

  user
    .command('revoke-tokens')
    .argument('<username>', 'account name (any case)')
    .description('Sign the account out everywhere: every access and refresh token it holds stops working')
    .action((name: string) =>
      withStore(async (store) => {
        const u = await find(store, name);
        await store.users.revokeTokens(u.id);
        process.stdout.write(`every token of ${u.username} (id ${u.id}) is revoked\n`);
      }),
    );

  user
    .command('delete')
    .argument('<username>', 'account name (any case)')
    .requiredOption('--yes', 'confirm: the account and all it owns (book, cycles, trades, symbols, schedules, backtests) go')
    .description('Delete the account and everything it owns; its tokens stop working at once')
    .action((name: string) =>
      withStore(async (store) => {
        const u = await find(store, name);
        await store.users.delete(u.id);
        process.stdout.write(`deleted ${u.username} (id ${u.id}) and everything it owned\n`);
      }),
    );
}

async function withStore(fn: (store: Store, operators: ReadonlySet<string>) => Promise<void>): Promise<void> {
  const { config } = cliContext();
  const store = await openStore(config.database);
  try {
    await fn(store, new Set(config.OPERATORS.map((n) => n.toLowerCase())));
  } finally {
    await store.close();
  }
}

async function find(store: Store, name: string): Promise<StoredUser> {
  const u = await store.users.byUsername(name);
  if (!u) throw new ConclaveError('NOT_FOUND', `user "${name}": no such account (conclave user list)`, { username: name });
  return u;
}
