import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';

const emailInput = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().normalize('NFC') : value;

export class VerifyEmailDto {
  @ApiProperty({
    example: 'alice@example.com',
    description: 'The address the code was sent to (the new one for an email change)',
  })
  @Transform(emailInput)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;

  @ApiProperty({ example: '042817', description: 'The digits from the mail, as a string (leading zeros count)' })
  @IsString()
  @Matches(/^\s*\d{1,10}\s*$/, { message: 'code must be a string of digits' })
  code: string;
}

export class EmailOnlyDto {
  @ApiProperty({ example: 'alice@example.com' })
  @Transform(emailInput)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;
}
