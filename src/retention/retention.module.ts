import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service.js';

/** The purge job: deletes rows past their retention (the rules live with each table's owner). */
@Module({
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
