import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { isUniqueViolation } from '../common/db-errors.js';
import { RawEntity } from '../common/raw-entity.js';
import { prepared } from '../config/prepared-statements.js';
import { normalizeEmail } from './email.js';
import { PasswordHasherService } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';
import type { Role } from '../common/principal.js';
import { User } from './user.entity.js';

export interface NewUser {
  email: string;
  password: string;
  username?: string | null;
  displayName?: string | null;
  roles?: Role[];
  verified?: boolean;
}

@Injectable()
export class UsersService {
  private readonly columns: RawEntity<User>;
  private readonly byEmailSql: string;
  private readonly byUsernameSql: string;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasherService,
    private readonly policy: PasswordPolicyService,
  ) {
    this.columns = new RawEntity(users.manager.connection, User);
    const select = `SELECT ${this.columns.select('u', '')} FROM users u WHERE`;
    this.byEmailSql = prepared(`${select} u.email = $1`);
    this.byUsernameSql = prepared(`${select} u.username = $1`);
  }

  /** Creates a user; 400 for a refused password, 409 when the email or username is taken. */
  async create(input: NewUser, manager?: EntityManager): Promise<User> {
    return this.insert(await this.prepare(input), manager);
  }

  /**
   * Checks the password and hashes it into an unsaved user. Kept apart from insert() so that the
   * slow argon2 hash runs before a transaction opens (PGlite has one session for everyone).
   */
  async prepare(input: NewUser): Promise<User> {
    this.policy.assertAcceptable(input.password);
    return this.users.create({
      email: normalizeEmail(input.email),
      username: input.username ? input.username.toLowerCase() : null,
      displayName: input.displayName ?? null,
      passwordHash: await this.hasher.hash(input.password),
      roles: input.roles ?? ['user'],
      emailVerifiedAt: input.verified ? new Date() : null,
    });
  }

  /** Saves a prepared user (in the caller's transaction when given); 409 when email or username is taken. */
  async insert(user: User, manager?: EntityManager): Promise<User> {
    const repo = manager ? manager.getRepository(User) : this.users;
    try {
      return await repo.save(user);
    } catch (error) {
      if (isUniqueViolation(error, 'UQ_users_email')) throw new ConflictException('Email is already registered');
      if (isUniqueViolation(error, 'UQ_users_username')) throw new ConflictException('Username is already taken');
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  /**
   * The OAuth2 `username` field holds an email or a username. Plain SQL: on the login path,
   * findOneBy's query building and entity hydration cost more main-thread CPU than the query.
   */
  async findByLogin(login: string): Promise<User | null> {
    const value = login.trim();
    const byEmail = value.includes('@');
    const rows = await this.users.query<Array<Record<string, unknown>>>(
      byEmail ? this.byEmailSql : this.byUsernameSql,
      [byEmail ? normalizeEmail(value) : value.toLowerCase()],
    );
    return rows.length > 0 ? this.columns.from(rows[0], '') : null;
  }

  /** Swaps the hash only while the account still has `from`; false when it has changed meanwhile. */
  async replacePasswordHash(userId: string, from: string, to: string): Promise<boolean> {
    const result = await this.users.update({ id: userId, passwordHash: from }, { passwordHash: to });
    return (result.affected ?? 0) > 0;
  }
}
