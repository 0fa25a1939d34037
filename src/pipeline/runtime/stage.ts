import type { KafkaMessage, Message } from 'kafkajs';

/** A stage of a processor, as the processor starts and stops it. */
export interface Stage {
  start(): Promise<void>;
  /** Stops fetching, finishes and commits what is in flight, releases everything. */
  stop(): Promise<void>;
  /**
   * Called on every stage as soon as the processor begins to stop, before the upstream
   * stages' stops (which come first and take seconds): a stage that starts work with an
   * external party (the SMSO) stops starting it here, so the drain does not go on growing.
   */
  beginDrain?(): void;
}

/** Messages for one output topic, written in one transaction with others. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly Message[];
}

/** An input record that cannot be processed: it goes to the dead-letter topic with the reason. */
export interface DeadLetter {
  readonly message: KafkaMessage;
  readonly reason: string;
  /** Low-cardinality label of the reason, for the DLQ metric. */
  readonly label: string;
}

/**
 * What a stage sees of one input partition while it processes a batch (or a timer's work):
 * its own state, and the runtime's one way to write outputs with input offsets.
 */
export interface PartitionContext<S> {
  readonly topic: string;
  readonly partition: number;
  readonly state: S;
  /** The group's committed input offset for the partition (where a restart would read from). */
  readonly committed: bigint;
  /** False once the batch is no longer this member's to finish (stopping, rebalanced, stale). */
  readonly active: boolean;
  /**
   * One Kafka transaction: the outputs, the dead letters, and the input offset `upTo` (the
   * offset after the last message this commit covers), never past the stage's commit floor.
   * `upTo` null commits outputs only. Throws (after aborting) when the transaction fails.
   */
  commit(outputs: readonly TopicMessages[], upTo: bigint | null, deadLetters?: readonly DeadLetter[]): Promise<void>;
  heartbeat(): Promise<void>;
  /** Pauses fetching for this partition while `wait` runs, heartbeating, then resumes. */
  pauseUntil<T>(wait: Promise<T>): Promise<T>;
  /** Keeps the membership alive while `work` runs (work on the pool, a long emission step). */
  withHeartbeat<T>(work: Promise<T>): Promise<T>;
  /**
   * Stops fetching this partition until `resume()`, without holding the batch: for a stage
   * whose work goes on after its batch returned (the enrolment lanes). A rebalance resumes it.
   */
  pause(): void;
  resume(): void;
  /**
   * Makes this member the partition's only writer now (its transactional producer's
   * initTransactions fences the previous owner and settles its open transaction), so that a
   * table read after it holds everything the previous owner committed.
   */
  fence(): Promise<void>;
}

/** Consumer settings of a stage. */
export interface StageConsumerOptions {
  readonly sessionTimeoutMs: number;
  /** Heartbeat period, also while a batch waits (pool, gate, backoff). */
  readonly heartbeatMs: number;
  readonly maxBytesPerPartition?: number;
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * A stage on one input topic, partitioned like it: the Kafka loop is the runtime's, the stage
 * is its logic alone (Kafka Streams' Processor API is the model). Per partition it has a
 * state, created on first use and dropped on a rebalance or a failure (the partition then
 * replays from its committed offset, so the state must be rebuildable from the input).
 */
export interface PartitionedStage<S> {
  /** Metrics label and log field ('splitter', 'validator'). */
  readonly name: string;
  readonly inputTopic: string;
  readonly groupId: string;
  readonly consumer: StageConsumerOptions;
  /** Backoff after a failed batch, doubled per consecutive failure up to the maximum. */
  readonly retry: { readonly backoffMs: number; readonly backoffMaxMs: number };
  createState(partition: number): S;
  /** Releases what a dropped state holds (open files, spools). */
  dropState?(state: S): void;
  /**
   * The lowest input offset that must be read again after a restart (the first offset of
   * work still open: an upload in progress, an installation not complete), or null: no
   * commit ever passes it.
   */
  commitFloor(state: S): bigint | null;
  /**
   * Processes a batch of the partition, committing through `ctx` as it goes. Returns the
   * offset after the last message it handled; the runtime commits that far (floor-capped)
   * when the stage's own commits did not. A thrown error is a failure of the partition.
   */
  processBatch(messages: readonly KafkaMessage[], ctx: PartitionContext<S>): Promise<bigint>;
}
