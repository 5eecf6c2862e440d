// Token revocation as Keystone does it: tokens are never stored, so revoking means recording
// an event ("every token of user X issued before T", "the token with audit id A", …) and
// checking each token against the live events. Events live until the longest token could.
import type { Kysely } from 'kysely';
import { hexId } from '../../../lib/ids.ts';

export interface RevocationEvent {
  userId?: string; projectId?: string; domainId?: string; roleId?: string; trustId?: string;
  auditId?: string; auditChainId?: string; consumerId?: string;
  issuedBefore: Date;
}

/** The facts of a token that events are matched against. */
export interface TokenFacts {
  userId: string; projectId?: string; domainId?: string; trustId?: string; appCredId?: string;
  /** Also the trustor / project domain / user domain, as Keystone matches those too. */
  trustorId?: string; trusteeId?: string; projectDomainId?: string; userDomainId?: string;
  roleIds: string[]; auditIds: string[]; issuedAt: Date;
}

export function matches(ev: RevocationEvent, t: TokenFacts): boolean {
  if (t.issuedAt > ev.issuedBefore) return false;
  if (ev.userId && ev.userId !== t.userId && ev.userId !== t.trustorId && ev.userId !== t.trusteeId) return false;
  if (ev.projectId && ev.projectId !== t.projectId) return false;
  if (ev.domainId && ev.domainId !== t.domainId && ev.domainId !== t.projectDomainId && ev.domainId !== t.userDomainId) return false;
  if (ev.roleId && !t.roleIds.includes(ev.roleId)) return false;
  if (ev.trustId && ev.trustId !== t.trustId) return false;
  if (ev.auditId && ev.auditId !== t.auditIds[0]) return false;
  if (ev.auditChainId && ev.auditChainId !== t.auditIds.at(-1)) return false;
  if (ev.consumerId && ev.consumerId !== t.appCredId) return false;
  return true;
}

/**
 * Keeps the live events in memory (they are few and every validation reads them) and writes
 * through to the database so they survive restarts and reach other processes on reload.
 */
export class RevocationList {
  #events: RevocationEvent[] = [];
  readonly #db: Kysely<any>;
  readonly #ttlMs: number;
  readonly #onRevoke: () => void;

  constructor(db: Kysely<any>, opts: { tokenTtlMs: number; onRevoke: () => void }) {
    this.#db = db; this.#ttlMs = opts.tokenTtlMs; this.#onRevoke = opts.onRevoke;
  }

  async load(now = new Date()): Promise<void> {
    const cutoff = new Date(now.getTime() - this.#ttlMs).toISOString();
    await this.#db.deleteFrom('revocation_event').where('revoked_at', '<', cutoff).execute();
    const rows = await this.#db.selectFrom('revocation_event').selectAll().execute();
    this.#events = rows.map((r) => ({
      userId: r.user_id ?? undefined, projectId: r.project_id ?? undefined, domainId: r.domain_id ?? undefined,
      roleId: r.role_id ?? undefined, trustId: r.trust_id ?? undefined, auditId: r.audit_id ?? undefined,
      auditChainId: r.audit_chain_id ?? undefined, consumerId: r.consumer_id ?? undefined, issuedBefore: new Date(r.issued_before),
    }));
  }

  async revoke(ev: Omit<RevocationEvent, 'issuedBefore'> & { issuedBefore?: Date }): Promise<void> {
    const event: RevocationEvent = { ...ev, issuedBefore: ev.issuedBefore ?? new Date() };
    await this.#db.insertInto('revocation_event').values({
      id: hexId(),
      user_id: event.userId ?? null, project_id: event.projectId ?? null, domain_id: event.domainId ?? null, role_id: event.roleId ?? null,
      trust_id: event.trustId ?? null, audit_id: event.auditId ?? null, audit_chain_id: event.auditChainId ?? null,
      consumer_id: event.consumerId ?? null, issued_before: event.issuedBefore.toISOString(), revoked_at: new Date().toISOString(),
    }).execute();
    this.#events.push(event);
    this.#onRevoke();
  }

  isRevoked(t: TokenFacts): boolean {
    return this.#events.some((ev) => matches(ev, t));
  }
}
