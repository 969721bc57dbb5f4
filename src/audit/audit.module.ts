import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';
import { AuthEvent } from './auth-event.entity.js';

/** The security audit log: a leaf module, imported by whoever records events. */
@Module({
  imports: [TypeOrmModule.forFeature([AuthEvent])],
  controllers: [AuditController],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
