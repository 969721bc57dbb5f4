import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, Public, RequireAal, Scopes, type WardenPrincipal } from '@warden/nestjs';

/** A bank-like app: a balance for any signed-in user, transfers after a second factor, a report for admins. */
@Controller()
export class AccountsController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('balance')
  balance(@CurrentPrincipal() user: WardenPrincipal) {
    return { owner: user.sub, email: user.email, balance: 100 };
  }

  /** Moving money needs a session that proved a second factor (Warden's step-up raises it to aal2). */
  @RequireAal('aal2')
  @Post('transfers')
  @HttpCode(201)
  transfer(@CurrentPrincipal() user: WardenPrincipal, @Body() body: { amount?: number }) {
    return { from: user.sub, amount: Number(body?.amount ?? 0), status: 'sent' };
  }

  /** Every user's balance: only a token granted Warden's `users:read` scope (admins). */
  @Scopes('users:read')
  @Get('report')
  report() {
    return { accounts: 1, total: 100 };
  }
}
