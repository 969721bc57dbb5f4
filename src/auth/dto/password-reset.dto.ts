import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ResetPasswordDto {
  @ApiProperty({ example: 'q3Jd0Zk1Yh8xWb2N5u9Lc4Tr7Vm6Ep0Ga1Sf3Hd8Kj2', description: 'The token from the reset mail' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  token: string;

  @ApiProperty({ example: 'a brand new passphrase', minLength: 8, maxLength: 128 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  new_password: string;
}
