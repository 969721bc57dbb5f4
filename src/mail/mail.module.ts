import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MailOutbox } from './mail-outbox.entity.js';
import { MailService } from './mail.service.js';
import { createMailTransport, MAIL_TRANSPORT } from './mail-transport.js';
import { OutboxDispatcher } from './outbox-dispatcher.service.js';
import { OutboxSignal } from './outbox-signal.js';

@Module({
  imports: [TypeOrmModule.forFeature([MailOutbox])],
  providers: [
    OutboxSignal,
    MailService,
    OutboxDispatcher,
    { provide: MAIL_TRANSPORT, useFactory: (config: AppConfig) => createMailTransport(config), inject: [APP_CONFIG] },
  ],
  exports: [MailService],
})
export class MailModule {}
