import type { Delivery } from "./delivery.js";

/** What the webhook route answers GitHub for one delivery. */
export interface IntakeAnswer {
  status: number;
  body: string;
}

export interface IntakeStats {
  /** Deliveries accepted and not yet handled (waiting, delayed or being handled). */
  depth: number;
  /** Deliveries being handled now. */
  active: number;
  /** Age of the oldest delivery still waiting, in seconds (0 when none waits). */
  oldestAgeSeconds: number;
  /** Deliveries given up on after their retries (the dead-letter list). */
  deadLetters: number;
}

export interface IntakeHealth {
  ok: boolean;
  /** `in-process` or `redis`. */
  queue: string;
  /** Redis reachable (only with Redis). */
  redis?: "up" | "down";
  stats?: IntakeStats;
  error?: string;
}

export interface DeadLetter {
  id: string;
  event: string;
  pullRequest?: string;
  failedAt: string;
  attempts: number;
  reason: string;
}

/**
 * Where a verified delivery goes. Two implementations: in process (the default: the delivery is
 * handled before it is answered, so a failure shows in GitHub's delivery log and the reconciler
 * redelivers it) and Redis (BullMQ: answered once stored, handled by any replica).
 */
export interface Intake {
  readonly kind: "in-process" | "redis";
  accept(delivery: Delivery): Promise<IntakeAnswer>;
  stats(): Promise<IntakeStats>;
  health(): Promise<IntakeHealth>;
  /** Deliveries given up on, newest first (bounded). */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Stop taking work, finish what is in hand (at most `timeoutMs`), release connections. */
  close(timeoutMs?: number): Promise<void>;
}

/** What the intake reports as deliveries go through it (metrics). */
export interface IntakeObserver {
  received(event: string): void;
  /** A delivery GUID already stored: not stored again. */
  deduplicated(event: string): void;
  /** One attempt ended: handled, covered by another evaluation of its pull request, failed for now (retrying) or for good. */
  finished(event: string, outcome: "processed" | "coalesced" | "retrying" | "failed", seconds: number): void;
}

/** Handles one delivery: runs every handler for it, rejecting when one failed. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;
