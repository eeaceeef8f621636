import * as v from 'valibot';
import { type CanvasNode, CanvasSchemas, type ChordRef } from './canvas/wire.js';
import { Defaults, Limits } from './constants.js';
import { CeleriacError, ErrorCode } from './errors.js';
import { assertJsonValue, JSON_MAX_DEPTH, type Json, nestedDeeperThan, toJson, utf8Bytes } from './json.js';
import { once } from './once.js';

/** The envelope's schemas; built on first decode, not at import (a producer never decodes). */
function buildSchemas() {
  const ID = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/));
  const EPOCH_MS = v.pipe(v.number(), v.integer(), v.minValue(0));
  return {
    /** The part of an envelope that identifies it; read first so a bad body can still be recorded. */
    header: v.object({ v: v.number(), id: ID }),
    envelope: v.object({
      v: v.literal(Defaults.ENVELOPE_VERSION),
      id: ID,
      task: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
      args: v.unknown(),
      queue: v.pipe(v.string(), v.minLength(1), v.maxLength(80)),
      enqueuedAt: EPOCH_MS,
      eta: v.optional(EPOCH_MS),
      expires: v.optional(EPOCH_MS),
      /** Absent on the wire when it equals `id` (most tasks): decoding fills it in. */
      root: v.optional(ID),
      parent: v.optional(ID),
      // Stored with the record: bounded so any body the queue can hold fits a DynamoDB item.
      tags: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(1_000))),
      trace: v.optional(v.string()),
      workflow: v.optional(v.boolean()),
      chain: v.optional(CanvasSchemas.nodes),
      chord: v.optional(CanvasSchemas.chordRef),
      joinOf: v.optional(ID),
      link: v.optional(CanvasSchemas.nodes),
      linkError: v.optional(CanvasSchemas.nodes),
      maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
      idempotencyKey: v.optional(v.pipe(v.string(), v.maxLength(256))),
      beat: v.optional(v.object({ schedule: v.string(), at: v.string() })),
      spent: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
      retryAt: v.optional(EPOCH_MS),
      born: v.optional(EPOCH_MS),
    }),
  };
}

/** The schemas, built once. */
const schemas = once(buildSchemas);

/**
 * The JSON message that travels on SQS: versioned (`v`), JSON only, at most 1 MiB.
 *
 * @example
 * ```ts
 * const env: Envelope = { v: 1, id: 't-1', task: 'add', args: { x: 1 }, queue: 'default',
 *   enqueuedAt: Date.now(), root: 't-1' };
 * ```
 */
export interface Envelope {
  readonly v: typeof Defaults.ENVELOPE_VERSION;
  readonly id: string;
  readonly task: string;
  readonly args: Json;
  readonly queue: string;
  /** Epoch ms when it was enqueued. */
  readonly enqueuedAt: number;
  /** Epoch ms before which it must not run. */
  readonly eta?: number;
  /** Epoch ms after which it must not run (recorded as REVOKED, reason expired). */
  readonly expires?: number;
  /** Workflow root id (its own id when alone). */
  readonly root: string;
  readonly parent?: string;
  readonly tags?: readonly string[];
  /** Trace context (X-Ray / W3C traceparent) from the producer. */
  readonly trace?: string;
  /** Part of a canvas workflow (indexed by root even when it is the root). */
  readonly workflow?: boolean;
  /** The chain steps after this task (canvas). */
  readonly chain?: readonly CanvasNode[];
  /** The chord this task's chain reports to when it ends (canvas). */
  readonly chord?: ChordRef;
  /** This task is the (first step of the) body of that chord. */
  readonly joinOf?: string;
  /** Run with this task's result when it succeeds. */
  readonly link?: readonly CanvasNode[];
  /** Run with the failure when this task fails for good. */
  readonly linkError?: readonly CanvasNode[];
  /** Per-signature override of the task's retry.maxAttempts. */
  readonly maxAttempts?: number;
  /** The producer's idempotency key, kept for the record. */
  readonly idempotencyKey?: string;
  /** Set on cron firings: the schedule and its scheduled time (ISO). */
  readonly beat?: { readonly schedule: string; readonly at: string };
  /** Attempts spent on earlier messages of this task (a deferred copy carries them). */
  readonly spent?: number;
  /** Epoch ms before which a retry copy must not run (a backoff longer than SQS can delay). */
  readonly retryAt?: number;
  /**
   * Epoch ms when the runtime minted this message's id and root (both random, chosen by no
   * caller): nobody could revoke either before then. Workers skip the revocation read of a
   * message minted after the newest revocation. Absent when a caller chose the id or root.
   */
  readonly born?: number;
}

/**
 * Serialise an envelope, refusing non-JSON values and anything over SQS's 1 MiB.
 *
 * @throws CeleriacError `NOT_JSON` or `PAYLOAD_TOO_LARGE`; nothing has been sent.
 * @example
 * ```ts
 * const body = encodeEnvelope(env);
 * ```
 */
export function encodeEnvelope(envelope: Envelope, maxBytes: number = Limits.SQS_MAX_MESSAGE_BYTES): string {
  // A task that is its own root (most of them) leaves `root` out: 40-odd bytes less per message.
  const wire = envelope.root === envelope.id ? { ...envelope, root: undefined } : envelope;
  // The envelope's own fields are built by the library; only arguments (and canvas steps, which
  // carry arguments) come from callers, so only they need the JSON walk.
  const plain =
    wire.chain === undefined &&
    wire.chord === undefined &&
    wire.link === undefined &&
    wire.linkError === undefined;
  let body: string;
  if (plain) {
    assertJsonValue(wire.args, `task "${envelope.task}" args`);
    body = JSON.stringify(wire);
  } else {
    body = toJson(wire, `task "${envelope.task}" args`);
  }
  // UTF-8 needs at most 3 bytes per UTF-16 unit: short bodies need no exact count.
  const bytes = body.length * 3 <= maxBytes ? body.length : utf8Bytes(body);
  if (bytes > maxBytes) {
    throw new CeleriacError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `task "${envelope.task}" message is ${bytes} bytes; allowed: at most ${maxBytes} bytes (SQS limit). ` +
        'Store large inputs elsewhere (S3) and pass a reference.',
      { value: bytes, allowed: `<= ${maxBytes} bytes` },
    );
  }
  return body;
}

/** The outcome of {@link decodeEnvelope}. */
export type DecodeResult =
  | { readonly ok: true; readonly envelope: Envelope }
  | {
      readonly ok: false;
      readonly code: typeof ErrorCode.MALFORMED_MESSAGE | typeof ErrorCode.UNSUPPORTED_VERSION;
      readonly message: string;
      /** The task id, when one could be read. */
      readonly id?: string;
      readonly task?: string;
    };

/**
 * Parse and validate a message body. Never throws: a bad body yields `ok: false` with what
 * was wrong and, when readable, the task id so the failure can be recorded.
 *
 * @example
 * ```ts
 * const decoded = decodeEnvelope(record.body);
 * if (!decoded.ok) deadLetter(record, decoded.message);
 * ```
 */
export function decodeEnvelope(body: string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, code: ErrorCode.MALFORMED_MESSAGE, message: 'message body is not JSON' };
  }
  const header = v.safeParse(schemas().header, json);
  const id = header.success ? header.output.id : undefined;
  const task =
    typeof (json as { task?: unknown })?.task === 'string' ? (json as { task: string }).task : undefined;
  if (nestedDeeperThan(json, JSON_MAX_DEPTH)) {
    // Such a body could not be encoded again, nor its arguments stored.
    return {
      ok: false,
      code: ErrorCode.MALFORMED_MESSAGE,
      message: `message body is nested deeper than ${JSON_MAX_DEPTH} levels`,
      id,
      task,
    };
  }
  if (header.success && header.output.v !== Defaults.ENVELOPE_VERSION) {
    return {
      ok: false,
      code: ErrorCode.UNSUPPORTED_VERSION,
      message: `envelope version ${header.output.v} is not supported; this worker reads version ${Defaults.ENVELOPE_VERSION}`,
      id,
      task,
    };
  }
  const parsed = v.safeParse(schemas().envelope, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '(root)';
    return {
      ok: false,
      code: ErrorCode.MALFORMED_MESSAGE,
      message: `envelope ${path}: ${issue.message}`,
      id,
      task,
    };
  }
  const envelope = parsed.output;
  return { ok: true, envelope: { ...envelope, root: envelope.root ?? envelope.id } as Envelope };
}
