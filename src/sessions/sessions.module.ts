import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { RefreshRotationService } from './refresh-rotation.service.js';
import { RefreshToken } from './refresh-token.entity.js';
import { SessionEventsService } from './session-events.service.js';
import { SessionStateService } from './session-state.service.js';
import { Session } from './session.entity.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Session, RefreshToken]), AuditModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionEventsService, SessionStateService, RefreshRotationService],
  exports: [SessionsService, RefreshRotationService],
})
export class SessionsModule {}
