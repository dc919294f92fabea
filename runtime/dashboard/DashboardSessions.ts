import { randomBytes } from 'node:crypto';
import type { Identity } from '../identity/identity.ts';

export interface DashboardSessionsOptions {
  /** A session unused this long ends. @default 8 hours */
  idleMs?: number;
  /** A session ends this long after sign-in, used or not. @default 24 hours */
  maxAgeMs?: number;
  /** Sessions kept at most; signing in beyond it ends the oldest. @default 1000 */
  maxSessions?: number;
  now?: () => number;
}

interface Session {
  identity: Identity;
  /** The anti-forgery value the page sends back with every action (X-CSRF-Token): a page on another site cannot read it. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * The dashboard's sign-in sessions: a random id (the HttpOnly cookie's value) per sign-in, ended by sign-out,
 * by `idleMs` without use, or `maxAgeMs` after sign-in, whichever comes first. A stolen or forgotten cookie
 * stops working on its own, and the map cannot grow without bound.
 */
export class DashboardSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #maxAgeMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;

  constructor(options: DashboardSessionsOptions = {}) {
    this.#idleMs = options.idleMs ?? 8 * 3_600_000;
    this.#maxAgeMs = options.maxAgeMs ?? 24 * 3_600_000;
    this.#maxSessions = options.maxSessions ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The cookie's Max-Age in seconds: the browser drops it when the session would end anyway. */
  get maxAgeSeconds(): number {
    return Math.floor(this.#maxAgeMs / 1000);
  }

  /** Starts a session for `identity` and returns its id. */
  create(identity: Identity): string {
    this.#sweep();
    while (this.#sessions.size >= this.#maxSessions) this.#sessions.delete(this.#sessions.keys().next().value!);
    const id = randomBytes(24).toString('base64url');
    const now = this.#now();
    this.#sessions.set(id, { identity, csrf: randomBytes(24).toString('base64url'), createdAt: now, lastSeenAt: now });
    return id;
  }

  /** The anti-forgery value of a live session, or undefined for an unknown or ended one. */
  csrfOf(id: string): string | undefined {
    return this.identityOf(id) ? this.#sessions.get(id)?.csrf : undefined;
  }

  /** The identity of a live session (and marks it used), or undefined for an unknown or ended one. */
  identityOf(id: string): Identity | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = this.#now();
    if (this.#ended(session, now)) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session.identity;
  }

  end(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #ended(session: Session, now: number): boolean {
    return now - session.lastSeenAt >= this.#idleMs || now - session.createdAt >= this.#maxAgeMs;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) if (this.#ended(session, now)) this.#sessions.delete(id);
  }
}
