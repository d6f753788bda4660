/**
 * The HTTP service and its API keys: `serve`, `keys create|list|revoke`. Keys are managed here, with
 * the database directly, so the first key needs no key.
 */
import type { Role } from '../service/api-keys';
import { startService } from '../service/server';
import { createApiKey, listApiKeys, revokeApiKey } from '../store/api-keys';
import { CliError, currentUser, type CliContext } from './context';
import { table, time } from './format';

/** Runs the service until SIGINT or SIGTERM. */
export async function serve(ctx: CliContext, flags: { host?: string; port?: number }): Promise<void> {
  const db = await ctx.db();
  const client = await ctx.client();
  const service = await startService({ db, client, settings: ctx.settings, ...flags, logger: true });
  ctx.json({ url: service.url, openapi: `${service.url}/openapi.json` });
  ctx.say(`[driftwatch] serving ${service.url} (API ${service.url}/api/v1, OpenAPI ${service.url}/openapi.json); stop with Ctrl-C`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      ctx.note('[driftwatch] stopping the service (finishing requests in flight)');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.close();
}

export async function keysCreate(ctx: CliContext, flags: { role: Role; name?: string }): Promise<void> {
  const createdBy = currentUser();
  const created = await createApiKey(await ctx.db(), { role: flags.role, name: flags.name ?? `${flags.role} key of ${createdBy}`, createdBy });
  ctx.json(created);
  ctx.say(`Created API key ${created.id} '${created.name}' (role ${created.role}). The key, shown this once (only its hash is stored):`);
  ctx.say();
  ctx.say(`  ${created.key}`);
  ctx.say();
  ctx.say(`Use it as 'Authorization: Bearer <key>'; revoke it with 'driftwatch keys revoke ${created.id}'.`);
}

export async function keysList(ctx: CliContext): Promise<void> {
  const keys = await listApiKeys(await ctx.db());
  ctx.json(keys);
  if (keys.length === 0) {
    ctx.say("No API keys yet: create one with 'driftwatch keys create --role read|operate|admin'.");
    return;
  }
  ctx.say(table(['id', 'name', 'role', 'created', 'by', 'last used', 'revoked'], keys.map((k) => [
    k.id, k.name, k.role, time(k.createdAt), k.createdBy, time(k.lastUsedAt), time(k.revokedAt),
  ])));
}

export async function keysRevoke(ctx: CliContext, id: string): Promise<void> {
  const revoked = await revokeApiKey(await ctx.db(), id);
  if (!revoked) throw new CliError(`no API key ${id} ('driftwatch keys list' shows them)`);
  ctx.json(revoked);
  ctx.say(`Revoked API key ${revoked.id} '${revoked.name}' (role ${revoked.role}) at ${time(revoked.revokedAt)}.`);
}
