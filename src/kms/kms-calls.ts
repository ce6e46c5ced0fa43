// How every KMS call runs: one at a time against the key directory (loaded from the store on the
// first call, caught up with other processes' changes on a shared store), with due lifecycle events
// applied first, the caller checked and authorized, and the records it changed stored in one commit
// together with its audit record (allowed or refused); a call that fails changes nothing but the
// audit trail. The operations (key-operations.ts, alias-operations.ts, …) are written against this.

import { isoTime, type Clock } from '../core/clock.js';
import { SerialQueue } from '../core/serial-queue.js';
import { commitChange, queued, type DecidedChange, type Queued, type Redecide } from '../core/state-change.js';
import { isPrincipalArn, isServicePrincipal, rootArn, type ConditionContext, type Iam } from '../policy/index.js';
import { deriveAuditKey, type AuditEvent } from './audit-trail.js';
import { AuditWriter } from './audit-writer.js';
import { checkEncryptionContext, encryptionContextConditions, type EncryptionContext } from './encryption-context.js';
import { grantFor } from './grants.js';
import { KeyDirectory } from './key-directory.js';
import { KeyLifecycle } from './key-lifecycle.js';
import { KeyMaterialCache } from './key-material-cache.js';
import { keyConditions } from './kms-condition-keys.js';
import { assertStateAllows } from './key-states.js';
import type { CallRecord, KeyRecord, KeyStore } from './key-store.js';
import { authorize, type AuthorizationInput, type Caller } from './kms-authorizer.js';
import { KmsError, kmsError } from './kms-errors.js';
import { Transaction } from './record-tables.js';
import { SharedRun } from './shared-run.js';

export interface KmsCallsOptions {
  account: string;
  region: string;
  store: KeyStore;
  iam: Iam | undefined;
  clock: Clock;
}

/** What the first call loads. */
interface Loaded {
  directory: KeyDirectory;
  lifecycle: KeyLifecycle;
  rootKey: Uint8Array;
  auditKey: Uint8Array;
  audit: AuditWriter;
  materials: KeyMaterialCache;
}

/** What a call on one key asks of onKey besides the key. */
export interface OnKeyOptions {
  /** The request's EncryptionContext (checked, then passed to the work). */
  context?: unknown;
  /** Refused on AWS managed keys: operations only their customer may call. */
  customerManaged?: boolean;
  grantTokens?: string[];
  conditions?: ConditionContext;
}

/** A decided call: its result or the error that refused it, and the audit event that records it. */
interface Attempted<T> {
  outcome: { result: T } | { error: unknown };
  event: AuditEvent;
}

function resultOf<T>(outcome: Attempted<T>['outcome']): T {
  if ('error' in outcome) throw outcome.error;
  return outcome.result;
}

export function requirePrincipal(field: string, value: unknown): string {
  if (!isPrincipalArn(value)) throw kmsError('ValidationException', `${field}: expected an IAM or STS ARN`);
  return value;
}

export class KmsCalls {
  readonly account: string;
  readonly region: string;
  readonly store: KeyStore;
  readonly clock: Clock;
  /** Each call's changes to the key directory. */
  readonly tx = new Transaction();
  private readonly iam: Iam | undefined;
  private loaded: Loaded | undefined;
  /** Calls run one at a time, so each sees and saves a consistent state. */
  private readonly calls = new SerialQueue();
  /** Shares one catch-up query among the calls waiting for one (shared stores). */
  private readonly refresher = new SharedRun();
  /** Set while a call is decided at once (see call): a call its work makes meanwhile waits its turn in the queue. */
  private deciding = false;

  constructor(options: KmsCallsOptions) {
    this.account = options.account;
    this.region = options.region;
    this.store = options.store;
    this.iam = options.iam;
    this.clock = options.clock;
  }

  // What the first call loaded; read only inside calls (which load it first).
  get directory(): KeyDirectory { return this.loaded!.directory; }
  get lifecycle(): KeyLifecycle { return this.loaded!.lifecycle; }
  get rootKey(): Uint8Array { return this.loaded!.rootKey; }
  get auditKey(): Uint8Array { return this.loaded!.auditKey; }
  get audit(): AuditWriter { return this.loaded!.audit; }
  get materials(): KeyMaterialCache { return this.loaded!.materials; }

  root(): Caller {
    return { principal: rootArn(this.account) };
  }

  /** Settles once the directory is loaded (the first call loads it). */
  ready(): Promise<void> {
    return this.loadedExclusive(async () => undefined);
  }

  /** Runs `work` alone, after loading the directory if no call has yet. */
  loadedExclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.calls.run(async () => {
      await this.load();
      return work();
    });
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const rootKey = await this.store.rootKey();
    const directory = await KeyDirectory.load(this.store, this.account, this.region);
    this.loaded = {
      directory, rootKey, auditKey: deriveAuditKey(rootKey), audit: new AuditWriter(this.store), materials: new KeyMaterialCache(rootKey),
      lifecycle: new KeyLifecycle(directory, this.tx, this.clock, rootKey),
    };
  }

  /**
   * Before a call on a shared store: loads what other processes changed since this one last looked.
   * Concurrent calls share one query (a refresh begun after each of them), so this costs one round
   * trip per batch of calls rather than per call.
   */
  private async catchUp(): Promise<void> {
    if (!this.loaded) await this.ready();
    const store = this.store;
    const policies = this.iam?.shared ? this.iam.refresh() : undefined; // identity policies other processes changed, meanwhile
    if (store.updatesSince) {
      await this.refresher.run(async () => {
        const updates = await store.updatesSince!(this.directory.version);
        await this.calls.run(async () => this.applyUpdates(updates));
      });
    }
    await policies;
  }

  private applyUpdates(updates: Parameters<KeyDirectory['applyUpdates']>[0]): void {
    const changedKeys = this.directory.applyUpdates(updates);
    if (!changedKeys) return;
    this.lifecycle.noteChanged(changedKeys);
    for (const { id } of updates.keys) this.materials.forget(id);
  }

  /**
   * Runs `attempt` (which changes the tables in `tx` and returns its outcome and audit event) as one
   * state change (core/state-change.ts), decided alone in the call queue. An attempt that changed
   * nothing only queues its event (group commit): the next call may run meanwhile, and this one
   * returns once its record is durable. One that changed something waits for the events before it,
   * then commits its change together with its event: both are stored or neither, and if neither, the
   * tables are rolled back and the error thrown. On a shared store that another process changed
   * meanwhile, the store has the attempt decided again, under its lock, on the updated tables; the
   * outcome is then the second run's.
   */
  async transactional<T>(attempt: () => Promise<{ outcome: T; event?: AuditEvent }>): Promise<T> {
    if (!this.loaded || this.store.updatesSince || this.iam?.shared) await this.catchUp(); // (a store with one writer and an Iam in memory: nothing to catch up with)
    let outcome: T;
    await commitChange(async (): Promise<DecidedChange<CallRecord | undefined>> => {
      const { lifecycle } = this;
      const dueBefore = lifecycle.nextDue;
      const rollback = () => {
        this.tx.rollback();
        lifecycle.nextDue = Math.min(lifecycle.nextDue, dueBefore);
      };
      let current: { outcome: T; event?: AuditEvent };
      try {
        current = await attempt();
      } catch (error) {
        rollback();
        throw error;
      }
      outcome = current.outcome;
      if (!this.tx.changed) return { record: current.event && { event: current.event } };
      const { directory } = this;
      return {
        record: { event: current.event!, change: { changes: directory.changes(this.tx), state: () => directory.snapshot() } },
        undo: rollback,
        publish: () => this.keepChange(),
      };
    }, (record, redecide) => this.persist(record, redecide), this.calls);
    return outcome!;
  }

  /**
   * A call's record: an event alone goes to the audit trail's group commit; a change waits for the
   * events queued before it, then is committed with its event (see KeyStore.commit and its redo).
   */
  private persist(record: CallRecord | undefined, redecide: Redecide<CallRecord | undefined>): Promise<unknown> | Queued {
    if (record?.change === undefined) return queued(record === undefined ? Promise.resolve() : this.audit.append(record.event));
    return this.commit(record as Required<CallRecord>, redecide);
  }

  private async commit({ event, change }: Required<CallRecord>, redecide: Redecide<CallRecord | undefined>): Promise<void> {
    const { directory } = this;
    await this.audit.drain();
    directory.version = await this.store.commit([], {
      event, ...change, version: directory.version,
      redo: (updates) => redecide(() => this.applyUpdates(updates)),
    });
  }

  /** Once a change is durable: its records are kept (frozen), and what depends on the keys it changed is recomputed. */
  private keepChange(): void {
    const { keys } = this.directory.changes(this.tx);
    this.tx.commit();
    this.lifecycle.noteChanged(keys.put);
    for (const key of keys.put) this.materials.forget(key.keyId);
    for (const keyId of keys.deleted) this.materials.forget(keyId);
  }

  /**
   * Runs one API call: applies due rotations and deletions, runs `work`, and stores the records it
   * changed (if any) with its audit record (allowed or refused). A refused call changes nothing but
   * the audit trail.
   *
   * A call is decided at once, outside the queue, where nothing can be ahead of it or change under
   * it: the directory is loaded, no other process or IAM store shares it, no call is running or
   * waiting, and nothing is due (so deciding changes nothing by itself). Work that needs no I/O (the
   * cryptographic operations on a store in memory or with one writer) then costs no queue turn and
   * no promise of its own: its audit record goes straight to the group commit, or, in a store that
   * commits at once (memory) with nothing queued before it, is stored before the call returns. Work that turned out
   * asynchronous, or changed records, is committed through the queue as any other call: it enters
   * the queue before anything else can run (transactional reaches queue.run without awaiting, the
   * store having one writer), so no other call is decided meanwhile.
   */
  async call<T>(eventName: string, caller: Caller | undefined, contextInput: unknown,
    work: (who: Caller, event: AuditEvent, context: EncryptionContext) => T | Promise<T>): Promise<T> {
    const now = this.clock.now();
    let first: Attempted<T> | Promise<Attempted<T>> | undefined;
    if (this.decidesAtOnce(now)) {
      this.deciding = true;
      try {
        first = this.attempt(now, eventName, caller, contextInput, work);
      } finally {
        this.deciding = false;
      }
      if (!(first instanceof Promise) && !this.tx.changed) {
        if (!this.audit.storedAtOnce(first.event)) await this.audit.append(first.event);
        return resultOf(first.outcome);
      }
    }
    return resultOf(await this.transactional(() => {
      const attempted = first ?? this.attempt(this.clock.now(), eventName, caller, contextInput, work);
      first = undefined; // decided again (a shared store changed meanwhile): on the updated tables
      return Promise.resolve(attempted);
    }));
  }

  private decidesAtOnce(now: Date): boolean {
    const { loaded } = this;
    return loaded !== undefined && !this.deciding && this.calls.idle && !this.store.updatesSince && !this.iam?.shared
      && now.getTime() < loaded.lifecycle.nextDue;
  }

  /**
   * Decides a call at `now`: its audit event, and its result or the error that refused it (with
   * what it changed rolled back). Synchronous where `work` is.
   */
  private attempt<T>(now: Date, eventName: string, caller: Caller | undefined, contextInput: unknown,
    work: (who: Caller, event: AuditEvent, context: EncryptionContext) => T | Promise<T>): Attempted<T> | Promise<Attempted<T>> {
    const { lifecycle } = this;
    const dueBefore = lifecycle.nextDue;
    const event: AuditEvent = {
      eventTime: isoTime(now), eventName,
      principal: typeof caller?.principal === 'string' ? caller.principal : rootArn(this.account), viaService: caller?.viaService,
    };
    const refused = (error: unknown): Attempted<T> => {
      this.tx.rollback();
      lifecycle.nextDue = dueBefore;
      lifecycle.applyDue(now);
      // Refusals are KmsErrors; anything else is a fault, audited as such and rethrown unchanged.
      const known = error instanceof KmsError;
      return { outcome: { error }, event: { ...event, errorCode: known ? error.name : 'InternalFailure', errorMessage: known ? error.message : undefined } };
    };
    try {
      const who = this.checkCaller(caller);
      const context = checkEncryptionContext(contextInput);
      for (const _ in context) { // a non-empty context is recorded (a copy: the caller's object may change later)
        event.encryptionContext = { ...context };
        break;
      }
      lifecycle.applyDue(now);
      const result = work(who, event, context);
      if (result instanceof Promise) return result.then((value: T) => ({ outcome: { result: value }, event }), refused);
      return { outcome: { result }, event };
    } catch (error) {
      return refused(error);
    }
  }

  /** A call on one key: resolves it, checks the key state and authorization, then runs `work`. */
  onKey<T>(operation: string, keyId: string, caller: Caller | undefined, options: OnKeyOptions,
    work: (key: KeyRecord, context: EncryptionContext) => T | Promise<T>): Promise<T> {
    return this.call(operation, caller, options.context, (who, event, context) => {
      const { key, requestAlias } = this.directory.resolveKeyFor(keyId, who);
      event.keyArn = key.arn;
      this.checkGrantTokens(options.grantTokens);
      this.authorizeOnKey(who, operation, key, context, event, options.conditions, requestAlias);
      if (options.customerManaged && key.keyManager === 'AWS') {
        throw kmsError('AccessDeniedException', `${key.arn} is an AWS managed key: customers cannot ${operation} it`);
      }
      assertStateAllows(operation, key.keyState, key.arn);
      return work(key, context);
    });
  }

  /** The caller's identity policies, this KMS's account and region, and its clock (aws:CurrentTime) join every authorization. */
  authorize(input: Omit<AuthorizationInput, 'time' | 'account' | 'region'>): void {
    const { caller, action, resource, keyPolicy, context, grantAllows } = input;
    authorize({ caller, action, resource, keyPolicy, context, grantAllows, account: this.account, region: this.region, time: this.clock.now() }, this.iam);
  }

  /** Key policy, identity policies and grants; a grant that authorizes the call is named in the audit record. */
  authorizeOnKey(who: Caller, operation: string, key: KeyRecord, context: EncryptionContext, event: AuditEvent,
    conditions: ConditionContext = {}, requestAlias?: string): void {
    const { directory } = this;
    const grant = grantFor(directory.grantsOf(key.keyId), who.principal, operation, context);
    // Built only if a policy has conditions or variables (once for the key policy and identity policies together).
    let conditionKeys: ConditionContext | undefined;
    this.authorize({ caller: who, action: `kms:${operation}`, resource: key.arn, keyPolicy: directory.policyOf(key),
      context: () => (conditionKeys ??= {
        ...keyConditions(operation, key, who, directory.aliasNamesOf(key.keyId), requestAlias), ...encryptionContextConditions(context), ...conditions,
      }),
      grantAllows: grant !== undefined });
    if (grant && event.grantId === undefined) event.grantId = grant.grantId;
  }

  /** GrantTokens, where given, must each name an existing grant. */
  checkGrantTokens(tokens: string[] | undefined): void {
    if (tokens === undefined) return;
    for (const token of tokens) {
      if (this.directory.grants.lookup('byToken', token).length === 0) {
        throw kmsError('InvalidGrantTokenException', 'a grant token in GrantTokens is not valid');
      }
    }
  }

  private checkCaller(caller: Caller | undefined): Caller {
    if (caller === undefined) return this.root();
    if (typeof caller !== 'object' || caller === null) throw kmsError('ValidationException', 'caller: expected { principal, viaService? }');
    if (!isServicePrincipal(caller.principal)) requirePrincipal('caller.principal', caller.principal);
    return caller;
  }
}
