import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsService } from './clients.service.js';
import { OAuthClient } from './oauth-client.entity.js';

/** OAuth clients: registration (admin routes, CLI), look-ups and client authentication. */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthClient])],
  providers: [ClientsService],
  exports: [ClientsService],
})
export class ClientsModule {}
