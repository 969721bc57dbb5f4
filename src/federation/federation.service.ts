import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as oidc from 'openid-client';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { IssuedTokens } from '../auth/issued-tokens.js';
import { LoginRefusedError, LoginThrottledError, LoginUnavailableError } from '../auth/login-errors.js';
import { FEDERATED_AMR, type LoginProof, LoginService } from '../auth/login.service.js';
import type { ClientInfo } from '../common/client-info.js';
import { isUniqueViolation } from '../common/db-errors.js';
import { type AppConfig } from '../config/app-config.js';
import type { AuthProviderConfig } from '../config/auth-providers-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LoginThrottleService } from '../limits/login-throttle.service.js';
import { AttemptsUnavailableError, type ThrottledAttempt, TooManyAttemptsError } from '../limits/throttled-attempt.js';
import { User } from '../users/user.entity.js';
import { FederatedIdentity } from './federated-identity.entity.js';
import { type FederationErrorCode, FederationFailure } from './federation-errors.js';
import { type ClaimedFlow, FederationStatesService } from './federation-states.service.js';
import { describe, ProviderClients } from './provider-clients.js';
import { exchangeAndIdentify, type ProviderIdentity } from './provider-identity.js';
import { LAST_SIGN_IN_METHOD, lockSignInMethods } from './sign-in-methods.js';

/** How a callback ends when it succeeds. */
export type CallbackOutcome =
  | { kind: 'session'; issued: IssuedTokens; returnTo: string | null }
  | { kind: 'mfa'; mfaToken: string; returnTo: string | null }
  | { kind: 'linked'; returnTo: string | null };

export interface CallbackInput {
  providerId: string;
  /** The callback's query string as received (code, state, or error). */
  query: URLSearchParams;
  binding: string | undefined;
  client: ClientInfo;
}

/**
 * Sign in with another provider: the start (state, nonce, PKCE S256 bound to the browser), the
 * callback (the flow used up, the code exchanged, the identity found, linked or created), then
 * the one login path (LoginService: amr ["fed"], the MFA step when on, the back-off, the audit).
 * Every failure is a FederationFailure with a code for the login page; none opens a session.
 */
@Injectable()
export class FederationService {
  private readonly logger = new Logger(FederationService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly providers: ProviderClients,
    private readonly states: FederationStatesService,
    private readonly login: LoginService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  provider(id: string): AuthProviderConfig {
    const provider = this.providers.find(id);
    if (!provider) throw new NotFoundException('No such provider');
    return provider;
  }

  /** The provider's authorization URL for a new flow of this browser (`binding`). */
  async start(
    provider: AuthProviderConfig,
    binding: string,
    returnTo: string | null,
    linkUserId: string | null = null,
  ): Promise<string> {
    const configuration = await this.providers.configuration(provider).catch(() => {
      throw new FederationFailure('provider_unavailable', returnTo);
    });
    const flow = await this.states.create({ provider: provider.id, binding, returnTo, linkUserId });
    const parameters: Record<string, string> = {
      redirect_uri: this.providers.redirectUri(provider),
      scope: provider.scopes.join(' '),
      state: flow.state,
      code_challenge: flow.codeChallenge,
      code_challenge_method: 'S256',
    };
    if (provider.type === 'oidc') parameters.nonce = flow.nonce;
    return oidc.buildAuthorizationUrl(configuration, parameters).href;
  }

  async callback(input: CallbackInput): Promise<CallbackOutcome> {
    const provider = this.providers.find(input.providerId);
    if (!provider) throw new FederationFailure('bad_state');
    const state = input.query.get('state') ?? '';
    const flow = input.binding ? await this.states.claim(state, input.binding, provider.id) : null;
    if (input.query.has('error')) throw new FederationFailure('provider_denied', flow?.returnTo ?? null);
    if (!flow) throw new FederationFailure('bad_state');
    if (flow.linkUserId) {
      try {
        const identity = await this.identify(provider, flow, state, input.query);
        await this.link(provider, identity, flow.linkUserId, input.client);
      } catch (error) {
        if (error instanceof FederationFailure) throw new FederationFailure(error.code, flow.returnTo, true);
        throw error;
      }
      return { kind: 'linked', returnTo: flow.returnTo };
    }
    const identity = await this.identify(provider, flow, state, input.query);
    return this.signIn(provider, identity, flow.returnTo, input.client);
  }

  /** The exchange at the provider; whatever goes wrong there is logged (kind only) and shown as provider_failed. */
  private async identify(
    provider: AuthProviderConfig,
    flow: ClaimedFlow,
    state: string,
    query: URLSearchParams,
  ): Promise<ProviderIdentity> {
    const configuration = await this.providers.configuration(provider).catch(() => {
      throw new FederationFailure('provider_unavailable', flow.returnTo);
    });
    // The URL the provider redirected to: openid-client derives the token request's redirect_uri from it.
    const callbackUrl = new URL(this.providers.redirectUri(provider));
    for (const [name, value] of query) callbackUrl.searchParams.append(name, value);
    try {
      return await exchangeAndIdentify(provider, configuration, callbackUrl, {
        state,
        nonce: flow.nonce,
        codeVerifier: flow.codeVerifier,
      });
    } catch (error) {
      this.logger.warn({ provider: provider.id, err: describe(error) }, 'Sign-in at provider failed');
      throw new FederationFailure('provider_failed', flow.returnTo);
    }
  }

  private async signIn(
    provider: AuthProviderConfig,
    identity: ProviderIdentity,
    returnTo: string | null,
    client: ClientInfo,
  ): Promise<CallbackOutcome> {
    const fail = (code: FederationErrorCode) => new FederationFailure(code, returnTo);
    const user = await this.resolveAccount(provider, identity, client).catch((error: unknown) => {
      if (error instanceof FederationFailure) throw fail(error.code);
      throw error;
    });
    const key = `fed:${provider.id}:${identity.subject}`;
    const attempt = await this.begin(key, user.id, client).catch((error: unknown) => {
      if (error instanceof LoginThrottledError) throw fail('throttled');
      if (error instanceof LoginUnavailableError) throw fail('unavailable');
      throw error;
    });
    const refusal = user.disabledAt
      ? 'disabled'
      : this.config.requireEmailVerification && !user.emailVerifiedAt
        ? 'unverified'
        : null;
    if (refusal) {
      const lockedNow = await attempt.fail();
      const failure = {
        type: 'login_failure' as const,
        userId: user.id,
        client,
        details: { reason: refusal, method: 'federated', provider: provider.id },
      };
      if (lockedNow) this.audit.recordLater(failure, { type: 'login_locked', userId: user.id, client, details: {} });
      else this.audit.recordLater(failure);
      throw fail(refusal);
    }
    const proof: LoginProof = { user, passwordHash: null, attempt, acr: 'aal1', amr: FEDERATED_AMR, login: key };
    try {
      const outcome = await this.login.afterPassword(proof, client, undefined, 'cookie');
      if (outcome.mfaRequired) return { kind: 'mfa', mfaToken: outcome.mfaToken, returnTo };
      this.audit.recordLater({
        type: 'federated_login',
        userId: user.id,
        sessionId: outcome.issued.session.id,
        client,
        details: { provider: provider.id },
      });
      return { kind: 'session', issued: outcome.issued, returnTo };
    } catch (error) {
      if (error instanceof LoginRefusedError) throw fail('disabled');
      throw error;
    }
  }

  private async begin(key: string, userId: string, client: ClientInfo): Promise<ThrottledAttempt> {
    return this.throttle.begin(this.throttle.countersFor(key, userId, client.ip)).catch((error: unknown) => {
      if (error instanceof TooManyAttemptsError) throw new LoginThrottledError(error.retryAfter);
      if (error instanceof AttemptsUnavailableError) throw new LoginUnavailableError();
      throw error;
    });
  }

  /**
   * The account of (provider, subject); else, for a trusted provider's verified address, the
   * account with that email (the identity is linked to it); else a new account without a
   * password. An address that belongs to an account and may not be linked: email_taken.
   */
  private async resolveAccount(
    provider: AuthProviderConfig,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<User> {
    for (let round = 0; round < 2; round++) {
      try {
        return await this.dataSource.transaction((em) => this.findLinkOrCreate(em, provider, identity, client));
      } catch (error) {
        if (isUniqueViolation(error, 'UQ_federated_identities_user_provider')) {
          throw new FederationFailure('already_linked');
        }
        // Two first sign-ins of one identity at once: the loser finds the winner's rows.
        if (round === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
    throw new FederationFailure('provider_failed');
  }

  private async findLinkOrCreate(
    em: EntityManager,
    provider: AuthProviderConfig,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<User> {
    const identities = em.getRepository(FederatedIdentity);
    const users = em.getRepository(User);
    const known = await identities.findOneBy({ provider: provider.id, subject: identity.subject });
    if (known) {
      await identities.update({ id: known.id }, { email: identity.email, lastLoginAt: new Date() });
      return users.findOneByOrFail({ id: known.userId });
    }
    if (!identity.email) throw new FederationFailure('no_email');
    const trusted = provider.trustEmail && identity.emailVerified;
    const existing = await users.findOneBy({ email: identity.email });
    // Linking by email only to an account that proved the address itself: an unverified one may
    // have been registered by someone else to catch the owner's later sign-in (pre-hijacking).
    if (existing && (!trusted || !existing.emailVerifiedAt)) throw new FederationFailure('email_taken');
    let user = existing;
    if (!user) {
      user = await users.save(
        users.create({
          email: identity.email,
          passwordHash: null,
          username: null,
          displayName: null,
          roles: ['user'],
          emailVerifiedAt: trusted ? new Date() : null,
        }),
      );
    }
    await identities.insert({
      provider: provider.id,
      subject: identity.subject,
      email: identity.email,
      userId: user.id,
      lastLoginAt: new Date(),
    });
    await this.audit.recordIn(em, {
      type: 'identity_linked',
      userId: user.id,
      client,
      details: { provider: provider.id, account: existing ? 'existing' : 'created' },
    });
    return user;
  }

  /** Linking from a signed-in account: refused when the identity is another account's, or the account has one there already. */
  private async link(
    provider: AuthProviderConfig,
    identity: ProviderIdentity,
    userId: string,
    client: ClientInfo,
  ): Promise<void> {
    await this.dataSource
      .transaction(async (em) => {
        const identities = em.getRepository(FederatedIdentity);
        const known = await identities.findOneBy({ provider: provider.id, subject: identity.subject });
        if (known) {
          if (known.userId !== userId) throw new FederationFailure('identity_taken');
          return;
        }
        await identities.insert({ provider: provider.id, subject: identity.subject, email: identity.email, userId });
        await this.audit.recordIn(em, {
          type: 'identity_linked',
          userId,
          client,
          details: { provider: provider.id, account: 'existing' },
        });
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error, 'UQ_federated_identities_user_provider')) {
          throw new FederationFailure('already_linked');
        }
        if (isUniqueViolation(error, 'UQ_federated_identities_provider_subject')) {
          throw new FederationFailure('identity_taken');
        }
        throw error;
      });
  }

  /** 409 when the user has an identity of that provider already (one per provider and account). */
  async assertNotLinked(userId: string, providerId: string): Promise<void> {
    if (await this.dataSource.getRepository(FederatedIdentity).existsBy({ userId, provider: providerId })) {
      throw new ConflictException('An account of this provider is already linked; unlink it first');
    }
  }

  unavailable(): ServiceUnavailableException {
    return new ServiceUnavailableException('The provider cannot be reached right now');
  }

  list(userId: string): Promise<FederatedIdentity[]> {
    return this.dataSource.getRepository(FederatedIdentity).find({ where: { userId }, order: { createdAt: 'ASC' } });
  }

  /** 404 when not linked; 409 when it is the last way to sign in (no password, no passkey, no other provider). */
  async unlink(userId: string, providerId: string, sessionId: string | null, client: ClientInfo): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const methods = await lockSignInMethods(em, userId);
      const identities = em.getRepository(FederatedIdentity);
      const identity = await identities.findOneBy({ userId, provider: providerId });
      if (!methods || !identity) throw new NotFoundException('No identity of that provider is linked');
      if (!methods.hasPassword && methods.passkeys === 0 && methods.identities <= 1) {
        throw new ConflictException(LAST_SIGN_IN_METHOD);
      }
      await identities.delete({ id: identity.id });
      await this.audit.recordIn(em, {
        type: 'identity_unlinked',
        userId,
        sessionId,
        client,
        details: { provider: providerId },
      });
    });
  }
}
