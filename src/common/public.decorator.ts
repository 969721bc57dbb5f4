import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'warden:public';

/** Opts a route out of the global JWT guard (routes are protected by default). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
