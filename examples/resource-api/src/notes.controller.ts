import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal, Public, Scopes, type WardenPrincipal } from '@warden/nestjs';

@Controller()
export class NotesController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  /** Any signed-in Warden user with the `profile` scope. */
  @Scopes('profile')
  @Get('notes')
  notes(@CurrentPrincipal() user: WardenPrincipal) {
    return { owner: user.sub, notes: [{ id: 1, text: `Hello, ${user.email ?? user.sub}` }] };
  }
}
