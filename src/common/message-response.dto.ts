import { ApiProperty } from '@nestjs/swagger';

/** The body of 202 answers that must not say whether an account exists. */
export class MessageResponseDto {
  @ApiProperty({ example: 'If the address belongs to an account, a message is on its way.' })
  message: string;
}
