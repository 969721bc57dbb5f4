import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Failed-login counters of the login back-off when no Redis is configured. `key` is a SHA-256 of the
 * account (and IP), so the table names nobody: unknown logins are throttled as well, and a
 * deleted account leaves nothing identifying behind.
 */
@Entity({ name: 'login_throttle' })
export class LoginThrottle {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  /** Consecutive failed attempts (a success starts the streak over). */
  @Column({ type: 'integer', default: 0 })
  failures: number;

  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil: Date | null;

  /** Attempts holding a verification slot (see LoginThrottleService.begin). */
  @Column({ name: 'in_flight', type: 'integer', default: 0 })
  inFlight: number;

  @Column({ name: 'in_flight_at', type: 'timestamptz', nullable: true })
  inFlightAt: Date | null;

  @Index('IDX_login_throttle_last_failure_at')
  @Column({ name: 'last_failure_at', type: 'timestamptz', default: () => 'now()' })
  lastFailureAt: Date;
}
