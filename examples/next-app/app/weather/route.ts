import { network, withPayment } from '../../tollgate'

/** 0.01 USDC per call; charged only once this handler has answered < 400. */
export const GET = withPayment(
  async (_request, { payment }) => Response.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 22, paidBy: payment.payer }),
  { amount: '0.01', network, description: "Today's weather" },
)

// Browsers send a CORS preflight before the paid retry: it goes through the same paywall, free.
export const OPTIONS = GET
