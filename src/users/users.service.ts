import { ConflictException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { isUniqueViolation } from '../common/db-errors.js';
import { normalizeEmail } from './email.js';
import { PasswordHasherService } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';
import { type Role, User } from './user.entity.js';

export interface NewUser {
  email: string;
  password: string;
  username?: string | null;
  displayName?: string | null;
  roles?: Role[];
  verified?: boolean;
}

const USER_COLUMNS =
  'id, email, username, display_name, password_hash, email_verified_at, roles, disabled_at, created_at, updated_at';

interface UserRow {
  id: string;
  email: string;
  username: string | null;
  display_name: string | null;
  password_hash: string;
  email_verified_at: Date | null;
  roles: Role[];
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function userFromRow(row: UserRow): User {
  return Object.assign(new User(), {
    id: row.id,
    email: row.email,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    emailVerifiedAt: row.email_verified_at,
    roles: row.roles,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasherService,
    private readonly policy: PasswordPolicyService,
  ) {}

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
    const rows: UserRow[] = await this.users.query(
      `SELECT ${USER_COLUMNS} FROM users WHERE ${byEmail ? 'email' : 'username'} = $1`,
      [byEmail ? normalizeEmail(value) : value.toLowerCase()],
    );
    return rows.length > 0 ? userFromRow(rows[0]) : null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.users.update({ id: userId }, { passwordHash });
  }
}
