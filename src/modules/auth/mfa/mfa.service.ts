import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, Not, Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { UsersService } from 'src/modules/users/users.service';
import { LoginThrottle } from 'src/modules/auth/login-throttle.service';
import { TokenService } from 'src/modules/auth/token.service';
import type { MfaProofDto } from './dto/mfa.dto';
import type { TotpConfirmationResponse, TotpEnrolmentResponse } from './dto/mfa.response';
import { MfaRecoveryCode } from './mfa-recovery-code.entity';
import { MfaSecrets, generateRecoveryCode } from './mfa-secrets';
import { base32Encode, generateTotpSecret, matchTotp, otpauthUri } from './totp';
import { UserMfa } from './user-mfa.entity';

export const RECOVERY_CODE_COUNT = 10;

export class InvalidMfaCodeError extends DomainError {
  constructor(status: 400 | 401) {
    super(ErrorCode.InvalidMfaCode, status, status === 401 ? 'Unauthorized' : 'Invalid code', 'The code is wrong, expired or already used.');
  }
}

/**
 * A user's TOTP factor and recovery codes: enrolment, confirmation,
 * removal, and checking a proof (a TOTP code, accepted once per time step,
 * or an unused recovery code). The secret is encrypted at rest and shown
 * only in the enrolment answer; it is never logged.
 */
@Injectable()
export class MfaService {
  private readonly secrets: MfaSecrets;

  constructor(
    @InjectRepository(UserMfa) private readonly factors: Repository<UserMfa>,
    @InjectRepository(MfaRecoveryCode) private readonly recoveryCodes: Repository<MfaRecoveryCode>,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottle,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {
    this.secrets = new MfaSecrets(config.auth.jwtSecret!);
  }

  /** Whether the user has a confirmed TOTP factor (one primary-key lookup). */
  async isEnabled(userId: string): Promise<boolean> {
    return (await this.factors.countBy({ userId, confirmedAt: Not(IsNull()) })) > 0;
  }

  /** A new pending secret (replacing an unconfirmed one); 409 when a factor is already enabled. */
  async enrol(caller: AuthUser): Promise<TotpEnrolmentResponse> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new NotFoundError('The account no longer exists.');
    const existing = await this.factors.findOneBy({ userId: caller.id });
    if (existing?.confirmedAt) throw new ConflictError(ErrorCode.MfaAlreadyEnabled, 'TOTP is already enabled; disable it first to enrol a new authenticator.');
    const secret = generateTotpSecret();
    const row = { userId: caller.id, secretEncrypted: this.secrets.encrypt(secret, caller.id), confirmedAt: null, lastUsedStep: null, createdAt: new Date() };
    await this.factors.manager.transaction(async (manager) => {
      await manager.delete(UserMfa, { userId: caller.id, confirmedAt: IsNull() });
      await manager.insert(UserMfa, row);
    });
    return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, this.config.mfa.issuer, user.email) };
  }

  /** The first code proves the app holds the secret: the factor is enabled and ten recovery codes are issued. */
  async confirm(caller: AuthUser, code: string): Promise<TotpConfirmationResponse> {
    const factor = await this.withSecret(caller.id);
    if (!factor) throw new ConflictError(ErrorCode.MfaNotPending, 'There is no pending TOTP enrolment: POST /auth/mfa/totp first.');
    if (factor.confirmedAt) throw new ConflictError(ErrorCode.MfaAlreadyEnabled, 'TOTP is already enabled.');
    const step = matchTotp(this.secrets.decrypt(factor.secretEncrypted, caller.id), code);
    if (step === undefined) throw new InvalidMfaCodeError(400);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    const now = new Date();
    await this.factors.manager.transaction(async (manager) => {
      const result = await manager.update(UserMfa, { userId: caller.id, confirmedAt: IsNull() }, { confirmedAt: now, lastUsedStep: step });
      if (result.affected !== 1) throw new ConflictError(ErrorCode.MfaNotPending, 'The enrolment changed meanwhile; start again.');
      await manager.delete(MfaRecoveryCode, { userId: caller.id });
      await manager.insert(
        MfaRecoveryCode,
        codes.map((c) => ({ id: randomUUID(), userId: caller.id, codeHash: this.secrets.hashRecoveryCode(c), usedAt: null, createdAt: now })),
      );
    });
    const accessToken = this.tokens.signAccessToken({ sub: caller.id, sid: caller.sessionId, role: caller.role, mfa: true });
    return { recoveryCodes: codes, accessToken, expiresIn: this.tokens.accessTokenTtl };
  }

  /** Removes the factor and its recovery codes, on a current code or a recovery code (wrong ones are counted like failed logins). */
  async disable(caller: AuthUser, proof: MfaProofDto, ip: string | undefined): Promise<void> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new NotFoundError('The account no longer exists.');
    if (!(await this.isEnabled(caller.id))) throw new ConflictError(ErrorCode.MfaNotEnabled, 'TOTP is not enabled.');
    const attempt = await this.throttle.begin(user.email, ip);
    if (!(await this.checkProof(caller.id, proof))) {
      this.throttle.failed(attempt, caller.id);
      throw new InvalidMfaCodeError(400);
    }
    await this.throttle.succeeded(attempt);
    await this.factors.manager.transaction(async (manager) => {
      await manager.delete(MfaRecoveryCode, { userId: caller.id });
      await manager.delete(UserMfa, { userId: caller.id });
    });
  }

  /**
   * True when the proof is good, and spends it: a TOTP code's step becomes
   * the last used one (a conditional UPDATE, so two requests with the same
   * code cannot both pass), a recovery code gets its `used_at`.
   */
  async checkProof(userId: string, proof: MfaProofDto): Promise<boolean> {
    if ((proof.code === undefined) === (proof.recoveryCode === undefined)) {
      throw new ValidationFailedError([{ field: 'code', message: 'give exactly one of code and recoveryCode' }]);
    }
    if (proof.recoveryCode !== undefined) {
      const result = await this.recoveryCodes.update(
        { userId, codeHash: this.secrets.hashRecoveryCode(proof.recoveryCode), usedAt: IsNull() },
        { usedAt: new Date() },
      );
      return result.affected === 1;
    }
    const factor = await this.withSecret(userId);
    if (!factor?.confirmedAt) return false;
    const step = matchTotp(this.secrets.decrypt(factor.secretEncrypted, userId), proof.code!);
    if (step === undefined) return false;
    const fresh = await this.factors.update({ userId, lastUsedStep: IsNull() }, { lastUsedStep: step });
    if (fresh.affected === 1) return true;
    const result = await this.factors.update({ userId, lastUsedStep: LessThan(step) }, { lastUsedStep: step });
    return result.affected === 1;
  }

  private withSecret(userId: string): Promise<UserMfa | null> {
    return this.factors.createQueryBuilder('mfa').addSelect('mfa.secretEncrypted').where('mfa.userId = :userId', { userId }).getOne();
  }
}
