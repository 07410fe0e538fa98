import type { GitHub } from "../ports/pull-request-context.js";
import type { EvidenceIssue } from "./store.js";

/**
 * A small hook on the evidence ledger's write path: the ledger reports that a record changed
 * (created, updated, finalised), and whoever keeps derived views current (the dashboard) listens.
 * The ledger does not know its listeners; a listener's failure never reaches the ledger.
 */

export interface EvidenceChanged {
  octokit: GitHub;
  /** The pull request's repository. */
  source: { owner: string; repo: string };
  /** The evidence repository the record lives in. */
  evidence: { owner: string; repo: string };
  action: string;
  /**
   * The record's issue as written, when the change is one open record created or updated: a view
   * can apply it without listing every record again. Absent for changes that touch more (a
   * finalisation relinks the chain), which call for a rebuild.
   */
  written?: EvidenceIssue;
}

export type EvidenceListener = (change: EvidenceChanged) => void;

export interface EvidenceEvents {
  /** Register (or replace) the listener called `name`. Returns a function that removes it. */
  on(name: string, listener: EvidenceListener): () => void;
  /** Called after a write. Listeners run synchronously and must not throw. */
  emit(change: EvidenceChanged): void;
}

export function createEvidenceEvents(): EvidenceEvents {
  const listeners = new Map<string, EvidenceListener>();
  return {
    on(name, listener) {
      listeners.set(name, listener);
      return () => {
        if (listeners.get(name) === listener) listeners.delete(name);
      };
    },
    emit(change) {
      for (const listener of listeners.values()) {
        try {
          listener(change);
        } catch {
          // A derived view is repaired by the next change; the record itself is written.
        }
      }
    },
  };
}
