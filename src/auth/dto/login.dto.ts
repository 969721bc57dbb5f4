import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { UserDto } from '../../users/dto/user.dto.js';

/** Browser login: an email or a username, and the password. */
export class LoginDto {
  @ApiProperty({ required: false, example: 'alice@example.com', description: 'Email (or send `username`)' })
  @ValidateIf((o: LoginDto) => o.username === undefined)
  @IsString({ message: 'email or username is required' })
  @IsNotEmpty({ message: 'email or username is required' })
  @MaxLength(320)
  email?: string;

  @ApiProperty({ required: false, example: 'alice', description: 'Username or email (instead of `email`)' })
  @ValidateIf((o: LoginDto) => o.username !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
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
