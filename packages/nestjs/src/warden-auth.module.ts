import { type DynamicModule, type FactoryProvider, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IntrospectionVerifier } from './introspection-verifier.js';
import { JwtVerifier } from './jwt-verifier.js';
import { validateOptions, WARDEN_AUTH_OPTIONS, type WardenAuthOptions } from './options.js';
import { TOKEN_VERIFIER, type TokenVerifier } from './token-verifier.js';
import { WardenAuthGuard } from './warden-auth.guard.js';

export interface WardenAuthAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => WardenAuthOptions | Promise<WardenAuthOptions>;
  inject?: FactoryProvider['inject'];
  /** Register the guard for every route (default true). */
  global?: boolean;
}

const verifierProvider: Provider = {
  provide: TOKEN_VERIFIER,
  inject: [WARDEN_AUTH_OPTIONS],
  useFactory: (options: WardenAuthOptions): TokenVerifier =>
    options.mode === 'introspect' ? new IntrospectionVerifier(options) : new JwtVerifier(options),
};

/** Resource-server authentication with Warden access tokens. Import once, in the root module. */
@Module({})
export class WardenAuthModule {
  static forRoot(options: WardenAuthOptions): DynamicModule {
    validateOptions(options);
    return WardenAuthModule.build([{ provide: WARDEN_AUTH_OPTIONS, useValue: options }], options.global ?? true);
  }

  static forRootAsync(options: WardenAuthAsyncOptions): DynamicModule {
    const provider: Provider = {
      provide: WARDEN_AUTH_OPTIONS,
      inject: options.inject ?? [],
      useFactory: async (...args: unknown[]) => validateOptions(await options.useFactory(...(args as never[]))),
    };
    return { ...WardenAuthModule.build([provider], options.global ?? true), imports: options.imports ?? [] };
  }

  private static build(optionProviders: Provider[], global: boolean): DynamicModule {
    return {
      module: WardenAuthModule,
      global: true,
      providers: [
        ...optionProviders,
        verifierProvider,
        WardenAuthGuard,
        ...(global ? [{ provide: APP_GUARD, useExisting: WardenAuthGuard }] : []),
      ],
      exports: [WARDEN_AUTH_OPTIONS, TOKEN_VERIFIER, WardenAuthGuard],
    };
  }
}
