import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, Matches, MaxLength, ValidateIf, type ValidationArguments } from 'class-validator';
import { UserDto } from '../../users/dto/user.dto.js';

// One message per field: "required" when absent, else what is wrong with it.
const loginMessage = (args: ValidationArguments) =>
  args.value === undefined || args.value === ''
    ? 'email or username is required'
    : `${args.property} must be a string of at most 320 characters`;
const LOGIN = /^[^\n]{1,320}$/;

/** Browser login: an email or a username, and the password. */
export class LoginDto {
  @ApiProperty({ required: false, example: 'alice@example.com', description: 'Email (or send `username`)' })
  // Checked whenever sent, also beside a username: the login uses `email` first (found by the fuzz suite).
  @ValidateIf((o: LoginDto) => o.email !== undefined || o.username === undefined)
  @Matches(LOGIN, { message: loginMessage })
  email?: string;

  @ApiProperty({ required: false, example: 'alice', description: 'Username or email (instead of `email`)' })
  @ValidateIf((o: LoginDto) => o.username !== undefined)
  @Matches(LOGIN, { message: loginMessage })
  username?: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;

  @ApiProperty({ example: 900, description: 'Lifetime of the access_token cookie, in seconds' })
  expires_in: number;
}

export class RefreshResponseDto {
  @ApiProperty({ example: 900, description: 'Lifetime of the new access_token cookie, in seconds' })
  expires_in: number;
}
