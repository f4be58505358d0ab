import { AccountRiskState } from './account-state.model.js';

/**
 * Where the engine keeps per-account state. Synchronous on purpose: scoring touches two
 * accounts per event and must run at replay speed. A durable deployment keeps this working
 * set in memory and persists it behind the port (snapshot of dirty states plus the durable
 * event log that is replayed after a crash); that adapter belongs with the server issue.
 */
export interface RiskStateStore {
  /** The state of `user`, created empty (band `unknown`) on first sight. */
  getOrCreate(user: string): AccountRiskState;
  /** The state of `user`, or undefined if the engine never saw it. */
  get(user: string): AccountRiskState | undefined;
  /** The state with the given dense ref (as stored inside rings). */
  byRef(ref: number): AccountRiskState | undefined;
  /** Number of accounts. */
  readonly size: number;
  /** All accounts, in creation order. */
  accounts(): Iterable<AccountRiskState>;
  /**
   * Add a restored state (snapshot restore into an empty store): its ref must be the next
   * ref, i.e. states are adopted in ref order.
   */
  adopt(state: AccountRiskState): void;
}

/** The in-memory {@link RiskStateStore}: a map from user id to state plus a ref table. */
export class MemoryRiskStateStore implements RiskStateStore {
  private readonly byUser = new Map<string, AccountRiskState>();
  private readonly refs: AccountRiskState[] = [];

  /** @inheritdoc */
  getOrCreate(user: string): AccountRiskState {
    let s = this.byUser.get(user);
    if (s === undefined) {
      s = new AccountRiskState(this.refs.length, user);
      this.refs.push(s);
      this.byUser.set(user, s);
    }
    return s;
  }

  /** @inheritdoc */
  get(user: string): AccountRiskState | undefined {
    return this.byUser.get(user);
  }

  /** @inheritdoc */
  byRef(ref: number): AccountRiskState | undefined {
    return this.refs[ref];
  }

  /** @inheritdoc */
  get size(): number {
    return this.refs.length;
  }

  /** @inheritdoc */
  accounts(): Iterable<AccountRiskState> {
    return this.refs;
  }

  /** @inheritdoc */
  adopt(state: AccountRiskState): void {
    if (state.ref !== this.refs.length || this.byUser.has(state.user)) {
      throw new Error('states must be adopted in ref order, each user once');
    }
    this.refs.push(state);
    this.byUser.set(state.user, state);
  }
}
