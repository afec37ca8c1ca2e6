import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from 'src/modules/api-keys/api-keys.module';
import { UsersModule } from 'src/modules/users/users.module';
import { ACCOUNT_LOCK_LISTENER } from './account-lock.listener';
import { AccountLockMailer } from './account-lock.mailer';
import { AccountEmailController } from './account-email.controller';
import { AccountEmailService } from './account-email.service';
import { AccountToken } from './account-token.entity';
import { AccountAdminController } from './account-admin.controller';
import { AccountAdminService } from './account-admin.service';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { EmailTokenService } from './email-token.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { EmailRequestThrottle } from './email-request-throttle.service';
import { LoginThrottle } from './login-throttle.service';
import { PasswordChangeService } from './password-change.service';
import { PasswordHasher } from './password-hasher';
import { RateCounters } from './rate-counters';
import { RolesGuard } from './roles.guard';
import { Session } from './session.entity';
import { SessionControlService } from './session-control.service';
import { SessionRevocations } from './session-revocations.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { Identity } from './oidc/identity.entity';
import { OidcAccountsService } from './oidc/oidc-accounts.service';
import { OidcController } from './oidc/oidc.controller';
import { OidcProviders } from './oidc/oidc-providers';
import { OidcService } from './oidc/oidc.service';
import { OidcStateStore } from './oidc/oidc-state.store';
import { MfaChallengeStore } from './mfa/mfa-challenge.store';
import { MfaEnrolmentGuard } from './mfa/mfa-enrolment.guard';
import { MfaLoginService } from './mfa/mfa-login.service';
import { AccessModule } from 'src/modules/access/access.module';
import { BearerAuthenticator } from './bearer-authenticator';
import { MfaController } from './mfa/mfa.controller';
import { MfaRecoveryCode } from './mfa/mfa-recovery-code.entity';
import { MfaService } from './mfa/mfa.service';
import { UserMfa } from './mfa/user-mfa.entity';

@Module({
  imports: [UsersModule, ApiKeysModule, AccessModule, PassportModule, TypeOrmModule.forFeature([Session, AccountToken, Identity, UserMfa, MfaRecoveryCode])],
  // For the GDPR module (account erasure): ending every token of an account, re-checking its password.
  // BearerAuthenticator: for the live OpenAPI document, which Fastify serves outside Nest's guards.
  exports: [SessionRevocations, PasswordHasher, LoginThrottle, BearerAuthenticator],
  controllers: [AuthController, SessionsController, AccountAdminController, AccountEmailController, OidcController, MfaController],
  providers: [
    AuthService,
    SessionsService,
    TokenService,
    PasswordHasher,
    JwtStrategy,
    BearerAuthenticator,
    AdminBootstrapService,
    SessionsRepository,
    SessionRevocations,
    SessionControlService,
    RateCounters,
    LoginThrottle,
    EmailRequestThrottle,
    PasswordChangeService,
    AccountAdminService,
    AccountEmailService,
    EmailTokenService,
    AccountLockMailer,
    { provide: ACCOUNT_LOCK_LISTENER, useExisting: AccountLockMailer },
    OidcService,
    OidcAccountsService,
    OidcProviders,
    OidcStateStore,
    MfaService,
    MfaLoginService,
    MfaChallengeStore,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: MfaEnrolmentGuard },
  ],
})
export class AuthModule {}
