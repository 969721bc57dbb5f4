import { LAST_SIGN_IN_METHOD, lockSignInMethods } from '../federation/sign-in-methods.js';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { isUniqueViolation } from '../common/db-errors.js';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { WebauthnConfig } from '../config/webauthn-config.js';
import { MailService } from '../mail/mail.service.js';
import { User } from '../users/user.entity.js';
import { passkeyAddedMail } from './passkey-mails.js';
import { PasskeyChallengesService } from './passkey-challenges.service.js';
import { PasskeyUserHandle } from './passkey-user-handle.entity.js';
import { Passkey } from './passkey.entity.js';

/** ES256, EdDSA, RS256: what passkey providers use. */
export const PASSKEY_ALGORITHMS = [-7, -8, -257];

const REGISTRATION_REFUSED = 'The passkey could not be verified';
const CHALLENGE_INVALID = 'The challenge is unknown, expired, already used or not yours; start again';
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

/** Who is registering, as the ceremony needs it. */
export interface PasskeyOwner {
  userId: string;
  sessionId?: string;
  client?: ClientInfo;
}

/** The passkeys of a user: the registration ceremony, listing, renaming, deletion. */
@Injectable()
export class PasskeysService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly challenges: PasskeyChallengesService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /** The relying party, or 404 while passkeys are off (APP_URL on an IP address, no WEBAUTHN_*). */
  get relyingParty(): WebauthnConfig {
    if (!this.config.webauthn) throw new NotFoundException('Passkeys are not enabled on this server');
    return this.config.webauthn;
  }

  async registrationOptions(
    userId: string,
  ): Promise<{ challenge_id: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const rp = this.relyingParty;
    const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: userId });
    const handle = await this.userHandle(userId);
    const existing = await this.list(userId);
    const { challengeId, challenge } = await this.challenges.create('registration', userId);
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpId,
      userName: user.email,
      userID: Buffer.from(handle, 'base64url'),
      userDisplayName: user.displayName ?? user.username ?? user.email,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: 300_000,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    return { challenge_id: challengeId, options };
  }

  /** Verifies and stores a new passkey; 409 for a credential id already registered, 400 for anything else wrong. */
  async register(
    owner: PasskeyOwner,
    challengeId: string,
    credential: RegistrationResponseJSON,
    name: string | undefined,
  ): Promise<Passkey> {
    const rp = this.relyingParty;
    const challenge = await this.challenges.consume(challengeId, 'registration', owner.userId);
    if (!challenge) throw new BadRequestException(CHALLENGE_INVALID);
    const verified = await verifyRegistrationResponse({
      response: credential,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    }).catch(() => null);
    if (!verified?.verified) throw new BadRequestException(REGISTRATION_REFUSED);
    const info = verified.registrationInfo;
    const passkey = Object.assign(new Passkey(), {
      userId: owner.userId,
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey),
      signCount: String(info.credential.counter),
      transports: (credential.response.transports ?? []).filter((t) => TRANSPORTS.has(t)),
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name: name ?? null,
      lastUsedAt: null,
    });
    try {
      return await this.dataSource.transaction(async (em) => {
        const saved = await em.getRepository(Passkey).save(passkey);
        const user = await em.getRepository(User).findOneByOrFail({ id: owner.userId });
        await this.mail.enqueue(passkeyAddedMail(user.email, { name: saved.name, when: saved.createdAt }), em);
        await this.audit.recordIn(em, {
          type: 'passkey_added',
          userId: owner.userId,
          sessionId: owner.sessionId,
          client: owner.client,
          details: { passkey_id: saved.id },
        });
        return saved;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('This passkey is already registered');
      throw error;
    }
  }

  async list(userId: string): Promise<Passkey[]> {
    return this.dataSource.getRepository(Passkey).find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  async rename(userId: string, id: string, name: string): Promise<Passkey> {
    const repo = this.dataSource.getRepository(Passkey);
    const result = await repo.update({ id, userId }, { name });
    if (result.affected !== 1) throw new NotFoundException('Passkey not found');
    return repo.findOneByOrFail({ id });
  }

  async remove(owner: PasskeyOwner, id: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const methods = await lockSignInMethods(em, owner.userId);
      if (!(await em.getRepository(Passkey).existsBy({ id, userId: owner.userId }))) {
        throw new NotFoundException('Passkey not found');
      }
      // A user with no password and no other provider keeps their last passkey.
      if (methods && !methods.hasPassword && methods.identities === 0 && methods.passkeys <= 1) {
        throw new ConflictException(LAST_SIGN_IN_METHOD);
      }
      const result = await em.getRepository(Passkey).delete({ id, userId: owner.userId });
      if (result.affected !== 1) throw new NotFoundException('Passkey not found');
      await this.audit.recordIn(em, {
        type: 'passkey_removed',
        userId: owner.userId,
        sessionId: owner.sessionId,
        client: owner.client,
        details: { passkey_id: id },
      });
    });
  }

  /** The user's WebAuthn user handle, made on first use (two first uses at once agree on one). */
  async userHandle(userId: string): Promise<string> {
    const repo = this.dataSource.getRepository(PasskeyUserHandle);
    await repo
      .createQueryBuilder()
      .insert()
      .values({ userId, handle: randomBytes(32).toString('base64url') })
      .orIgnore()
      .execute();
    return (await repo.findOneByOrFail({ userId })).handle;
  }
}
