/**
 * Per-source leases: one active writer per source among several processes (redundant captures now, the
 * segmenter group later). A lease is a key in the KV bucket `isr_leases`, taken with compare-and-set (create
 * on an absent key, update on the revision held) and kept alive by renewing it; the bucket's max age is the
 * lease's TTL, so the server itself forgets the key of a holder that died. The revision at which a holder took
 * the lease is its fencing token, checked before each publish and carried on every chunk (`Isr-Lease`).
 */
export const LeaseBucket = 'isr_leases' as const;

/** What a lease is for: the first token of its key. */
export const LeaseRoles = {
  capture: 'capture',
  segmenter: 'segmenter',
} as const;
export type LeaseRole = (typeof LeaseRoles)[keyof typeof LeaseRoles];

/** The key of a source's lease for a role, e.g. `capture.radio1`. */
export function leaseKey(role: LeaseRole, source: string): string {
  return `${role}.${source}`;
}

/** Header on ISR_AUDIO chunks: the fencing token (the lease revision at acquisition) of the capture that published it. */
export const LeaseHeader = 'Isr-Lease' as const;

/** Value of a lease key (JSON), for humans running `nats kv get isr_leases capture.<source>`. */
export interface LeaseValue {
  /** Unique per process and lease attempt. */
  holder: string;
  host: string;
  pid: number;
  /** The holder's PID namespace (`/proc/self/ns/pid`), so a pid is only judged on the host and namespace it means something in. */
  pidns?: string;
  /** UTC time the lease was taken (ISO). */
  since: string;
  /** UTC time of this renewal (ISO). */
  renewed: string;
}

/** The lease bucket's spec: history 1, the TTL as the bucket's max age. */
export function leaseBucketSpec(ttlSeconds: number): {
  name: string;
  description: string;
  history: number;
  ttlSeconds: number;
} {
  return {
    name: LeaseBucket,
    description: 'ISR per-source leases (one active writer per source)',
    history: 1,
    ttlSeconds,
  };
}
