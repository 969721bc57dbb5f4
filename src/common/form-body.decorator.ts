import { SetMetadata } from '@nestjs/common';

export const ACCEPTS_FORM = 'warden:accepts-form';

/** Marks a route that also accepts application/x-www-form-urlencoded (contract §1 "form"). */
export const AcceptsForm = () => SetMetadata(ACCEPTS_FORM, true);
