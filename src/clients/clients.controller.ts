import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../audit/audit.service.js';
import { clientInfo } from '../common/client-info.js';
import { AcceptsClientTokens } from '../common/client-tokens.decorator.js';
import { CurrentPrincipal } from '../common/current-principal.decorator.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import type { Principal } from '../common/principal.js';
import { Roles } from '../common/roles.decorator.js';
import { AnyScope, AnyScopeGuard } from './client-admin-scopes.guard.js';
import { ClientsService } from './clients.service.js';
import {
  ClientDto,
  ClientListDto,
  ClientSecretDto,
  CreateClientDto,
  CreatedClientDto,
  UpdateClientDto,
} from './dto/client.dto.js';

const ID_PARAM = { name: 'id', format: 'uuid', description: 'The client_id (not a UUID → 400)' };
const NOT_FOUND = { description: 'No such client', type: ErrorResponseDto };
const READ = ['users:write', 'clients:read', 'clients:write'];
const WRITE = ['users:write', 'clients:write'];

function actor(principal: Principal, request: FastifyRequest): AuditActor {
  return { userId: principal.userId, client: clientInfo(request) };
}

/**
 * Registration of OAuth clients. Admins only (the role is checked against the database), with
 * `users:write` or `clients:read` (to look) / `clients:write` (to change). A client's secret is
 * shown once, when it is made (POST /clients, POST /clients/:id/secret), and stored hashed.
 * The two reads also accept a client_credentials token with `clients:read`; the writes need an
 * admin user (the audit names who did it).
 */
@ApiTags('clients')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'Missing, invalid, expired or revoked access token', type: ErrorResponseDto })
@ApiForbiddenResponse({
  description: 'Not an admin, or the token has none of the scopes (WWW-Authenticate: error="insufficient_scope")',
  type: ErrorResponseDto,
})
@Roles('admin')
@UseGuards(AnyScopeGuard)
@Controller('clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Post()
  @AnyScope(...WRITE)
  @ApiOAuth2(['clients:write'], 'oauth2')
  @ApiOperation({
    summary: 'Register a client',
    description:
      'A confidential client gets its `client_secret` in this answer only. Redirect URIs: absolute, no fragment, ' +
      'https, http only on 127.0.0.1/[::1]/localhost (any port then matches), or a private-use scheme such as ' +
      'com.example.app:/callback; compared exactly.',
  })
  @ApiCreatedResponse({ type: CreatedClientDto })
  @ApiBadRequestResponse({
    description: 'A field is invalid (redirect URI, scope, grant), or the grants do not fit the client type',
    type: ErrorResponseDto,
  })
  async create(
    @Body() dto: CreateClientDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<CreatedClientDto> {
    const { client, secret } = await this.clients.create(
      {
        name: dto.name,
        type: dto.type,
        redirectUris: dto.redirect_uris,
        postLogoutRedirectUris: dto.post_logout_redirect_uris,
        grantTypes: dto.grant_types,
        scopes: dto.scopes,
        firstParty: dto.first_party,
      },
      actor(principal, request),
    );
    return { ...ClientDto.from(client), ...(secret ? { client_secret: secret } : {}) };
  }

  @Get()
  @AcceptsClientTokens()
  @AnyScope(...READ)
  @ApiOAuth2(['clients:read'], 'oauth2')
  @ApiOperation({ summary: 'Every client, newest first (no secrets)' })
  @ApiOkResponse({ type: ClientListDto })
  async list(): Promise<ClientListDto> {
    const items = (await this.clients.list()).map((client) => ClientDto.from(client));
    return { items, total: items.length };
  }

  @Get(':id')
  @AcceptsClientTokens()
  @AnyScope(...READ)
  @ApiOAuth2(['clients:read'], 'oauth2')
  @ApiOperation({ summary: 'One client (no secret)' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ClientDto })
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ClientDto> {
    return ClientDto.from(await this.clients.get(id));
  }

  @Patch(':id')
  @AnyScope(...WRITE)
  @ApiOAuth2(['clients:write'], 'oauth2')
  @ApiOperation({
    summary: 'Change name, redirect URIs, post-logout redirect URIs, scopes or first_party',
    description:
      'Type and grant types are fixed at registration. Removing a scope ends the client_credentials tokens ' +
      'that carry it.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ClientDto })
  @ApiBadRequestResponse({ description: 'Malformed id, an invalid or unknown field', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateClientDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<ClientDto> {
    const change = {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.redirect_uris !== undefined ? { redirectUris: dto.redirect_uris } : {}),
      ...(dto.post_logout_redirect_uris !== undefined ? { postLogoutRedirectUris: dto.post_logout_redirect_uris } : {}),
      ...(dto.scopes !== undefined ? { scopes: dto.scopes } : {}),
      ...(dto.first_party !== undefined ? { firstParty: dto.first_party } : {}),
    };
    return ClientDto.from(await this.clients.update(id, change, actor(principal, request)));
  }

  @Delete(':id')
  @HttpCode(204)
  @AnyScope(...WRITE)
  @ApiOAuth2(['clients:write'], 'oauth2')
  @ApiOperation({
    summary: 'Delete a client',
    description:
      'Its sessions are revoked on every instance at once (their tokens stop working), its pending codes go with ' +
      'it, and its client_credentials tokens stop working.',
  })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ description: 'Malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async remove(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.clients.delete(id, actor(principal, request));
  }

  @Post(':id/secret')
  @HttpCode(200)
  @AnyScope(...WRITE)
  @ApiOAuth2(['clients:write'], 'oauth2')
  @ApiOperation({
    summary: 'Rotate the secret of a confidential client',
    description:
      'Answers the new secret, shown only here. The old secret stops working at once, and so do the ' +
      'client_credentials tokens issued with it.',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: ClientSecretDto })
  @ApiBadRequestResponse({ description: 'Malformed id, or a public client (it has no secret)', type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async rotateSecret(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<ClientSecretDto> {
    return { client_secret: await this.clients.rotateSecret(id, actor(principal, request)) };
  }
}
