import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { isKnownScope, OIDC_SCOPES, SCOPES } from '../../auth/scopes.js';
import type { OAuthClient } from '../oauth-client.entity.js';
import { validateRedirectUri } from '../redirect-uris.js';

export const CLIENT_TYPES = ['public', 'confidential'] as const;
export const CLIENT_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type ClientGrant = (typeof CLIENT_GRANTS)[number];
const MAX_URIS = 20;

const EXAMPLE_ID = '7d1f3c2a-9b8e-4f6d-a1c5-3e2b7a9d0f14';

/** Each element is a redirect URI Warden accepts (see redirect-uris.ts); the message says why not. */
function IsRedirectUriList(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isRedirectUriList',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.every((uri) => typeof uri === 'string' && validateRedirectUri(uri) === null),
        defaultMessage: (args: ValidationArguments) => {
          const list = Array.isArray(args.value) ? (args.value as unknown[]) : [];
          const bad = list.find((uri) => typeof uri !== 'string' || validateRedirectUri(uri) !== null);
          const reason = typeof bad === 'string' ? validateRedirectUri(bad) : 'must be a string';
          return `${args.property}: each URI ${reason ?? 'is invalid'}`;
        },
      },
    });
  };
}

/** Scopes a client may be registered with: the ones Warden knows (read when validated: OIDC adds some). */
function IsKnownScopeList(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isKnownScopeList',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.every((scope) => typeof scope === 'string' && isKnownScope(scope)),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be a subset of [${[...Object.keys(OIDC_SCOPES), ...Object.keys(SCOPES)].join(', ')}]`,
      },
    });
  };
}

export class CreateClientDto {
  @ApiProperty({ example: 'Acme web app', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({
    required: false,
    enum: CLIENT_TYPES,
    default: 'public',
    description: 'confidential: gets a client_secret (a server-side app); public: none (SPA, native app)',
  })
  @IsOptional()
  @IsIn(CLIENT_TYPES)
  type?: (typeof CLIENT_TYPES)[number];

  @ApiProperty({
    required: false,
    type: [String],
    example: ['https://app.example.com/callback', 'http://127.0.0.1/callback'],
    description:
      'Absolute, no fragment; http only on 127.0.0.1, [::1] or localhost (any port then matches); private-use ' +
      'schemes such as com.example.app:/callback for native apps. Required (at least one) with authorization_code.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_URIS)
  @IsRedirectUriList()
  redirect_uris?: string[];

  @ApiProperty({ required: false, type: [String], example: ['https://app.example.com/'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_URIS)
  @IsRedirectUriList()
  post_logout_redirect_uris?: string[];

  @ApiProperty({
    required: false,
    type: [String],
    enum: CLIENT_GRANTS,
    default: ['authorization_code', 'refresh_token'],
    description: 'client_credentials: confidential clients only',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CLIENT_GRANTS.length)
  @IsIn(CLIENT_GRANTS, { each: true, message: `grant_types must be a subset of [${CLIENT_GRANTS.join(', ')}]` })
  grant_types?: ClientGrant[];

  @ApiProperty({
    required: false,
    type: [String],
    example: ['openid', 'profile', 'email'],
    description:
      "What the client may ask for (its users' scopes, or under client_credentials its own). Default: profile, and openid and email where OIDC is on",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsKnownScopeList()
  scopes?: string[];

  @ApiProperty({ required: false, default: false, description: "Warden's own app: no consent page" })
  @IsOptional()
  @IsBoolean()
  first_party?: boolean;
}

/** What an admin may change; type and grant types are fixed at registration. */
export class UpdateClientDto {
  @ApiProperty({ required: false, example: 'Acme web app', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiProperty({ required: false, type: [String], example: ['https://app.example.com/callback'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_URIS)
  @IsRedirectUriList()
  redirect_uris?: string[];

  @ApiProperty({ required: false, type: [String], example: ['https://app.example.com/'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_URIS)
  @IsRedirectUriList()
  post_logout_redirect_uris?: string[];

  @ApiProperty({ required: false, type: [String], example: ['openid', 'profile'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsKnownScopeList()
  scopes?: string[];

  @ApiProperty({ required: false })
  @IsOptional()
  @IsBoolean()
  first_party?: boolean;
}

/** The public shape of a client: never its secret or the secret's hash. */
export class ClientDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID })
  client_id: string;

  @ApiProperty({ example: 'Acme web app' })
  name: string;

  @ApiProperty({ enum: CLIENT_TYPES })
  type: (typeof CLIENT_TYPES)[number];

  @ApiProperty({ type: [String], example: ['https://app.example.com/callback'] })
  redirect_uris: string[];

  @ApiProperty({ type: [String], example: [] })
  post_logout_redirect_uris: string[];

  @ApiProperty({ type: [String], example: ['authorization_code', 'refresh_token'] })
  grant_types: string[];

  @ApiProperty({ type: [String], example: ['openid', 'profile', 'email'] })
  scopes: string[];

  @ApiProperty({ example: false })
  first_party: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-01-01T12:00:00.000Z' })
  created_at: string;

  static from(client: OAuthClient): ClientDto {
    return {
      client_id: client.id,
      name: client.name,
      type: client.type,
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.postLogoutRedirectUris,
      grant_types: client.grantTypes,
      scopes: client.scopes,
      first_party: client.firstParty,
      created_at: client.createdAt.toISOString(),
    };
  }
}

export class ClientSecretDto {
  @ApiProperty({
    example: 'Zb1oV3m8kQ2x7TqL0yN5cR9wF4hJ6sA1dG8pE2uK3iM',
    description: 'Shown only in this response; Warden keeps only its SHA-256',
  })
  client_secret: string;
}

/** 201 of POST /clients: the client, and its secret when confidential (the only time it is shown). */
export class CreatedClientDto extends ClientDto {
  @ApiProperty({ required: false, description: 'Confidential clients only; shown once' })
  client_secret?: string;
}

export class ClientListDto {
  @ApiProperty({ type: [ClientDto] })
  items: ClientDto[];

  @ApiProperty({ example: 3 })
  total: number;
}

export { EXAMPLE_ID as EXAMPLE_CLIENT_ID };
