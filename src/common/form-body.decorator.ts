import { SetMetadata } from '@nestjs/common';

export const ACCEPTS_FORM = 'warden:accepts-form';

/** Marks a route that also accepts application/x-www-form-urlencoded (a "form" route). */
export const AcceptsForm = () => SetMetadata(ACCEPTS_FORM, true);
