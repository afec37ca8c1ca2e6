import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from 'src/modules/users/users.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher';
import { RolesGuard } from './roles.guard';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, PassportModule, TypeOrmModule.forFeature([Session])],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionsService,
    TokenService,
    PasswordHasher,
    JwtStrategy,
    AdminBootstrapService,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthModule {}
