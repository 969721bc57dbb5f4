import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Long enough for any real password; longer inputs are refused before hashing. */
const MAX_INPUT = 1024;

export class ChangePasswordDto {
  @ApiProperty({ example: 'correct horse battery staple', description: 'Wrong → 403' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_INPUT)
  current_password: string;

  @ApiProperty({
    example: 'a brand new passphrase',
    minLength: 8,
    maxLength: 128,
    description: 'Same rules as at registration (length, not a common password)',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_INPUT)
  new_password: string;
}

export class DeleteAccountDto {
  @ApiProperty({ example: 'correct horse battery staple', description: 'Wrong → 403' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_INPUT)
  password: string;
}
