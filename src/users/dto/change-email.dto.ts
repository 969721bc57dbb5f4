import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class ChangeEmailDto {
  @ApiProperty({ example: 'alice@new.example.com', maxLength: 320 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().normalize('NFC') : value))
  @IsEmail({}, { message: 'new_email must be a valid email address' })
  @MaxLength(320)
  new_email: string;

  @ApiProperty({ example: 'correct horse battery staple', description: 'The current password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;
}
