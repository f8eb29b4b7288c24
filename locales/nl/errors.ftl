### Fouten (SPEC §7): de google.rpc.LocalizedMessage van een mislukte
### aanroep. De grpc-message van de status blijft Engels, voor de logboeken.

error-invalid-argument = Het veld { $field } heeft een ongeldige waarde; de details van de fout vermelden wat er mis is.
error-malformed = De aanvraag is geen geldig bericht voor deze aanroep; de details van de fout vermelden wat er mis is.
error-shutting-down = Deze server wordt afgesloten; roep het opnieuw aan, dan antwoordt een andere server.
error-shutting-down-resume = Deze server wordt afgesloten; roep het opnieuw aan met de cursor “{ $cursor }” om verder te gaan na het laatst ontvangen antwoord, dan antwoordt een andere server.
error-id-required = Het veld { $field } is verplicht.
error-id-not-uuid = Het veld { $field } moet een UUID zijn.
error-offer-id-invalid = Het veld { $field } moet een aanbiedings-id zijn.
error-unknown-offer = { $offer } is geen aanbieding uit de catalogus.
error-quantity-too-small = Het aantal moet minimaal 1 zijn.
error-quantity-too-large = Het aantal mag maximaal { $max } licenties zijn.
error-unauthenticated = De aanvraag heeft geen geldige referenties; meld u opnieuw aan.
error-permission-denied = Uw rollen staan dit niet toe: { $permission }.
error-not-found = { $kind } { $id } bestaat niet.
error-failed-precondition = De huidige situatie staat dit niet toe; de details van de fout geven de redenen.
error-already-exists = Dit bestaat al.
error-unavailable = De service kan de database op dit moment niet bereiken; probeer het zo opnieuw.
error-internal = Er is aan onze kant iets misgegaan; de fout is vastgelegd.
error-deadline-exceeded = De aanvraag duurde langer dan de server toestaat; probeer het opnieuw.

## Wat een resource is, zoals in "... bestaat niet".

resource-customer = De klant
resource-subscription = Het abonnement
resource-order = De bestelling
resource-offer = De aanbieding
resource-partner-user = De partnergebruiker
resource-user = De gebruiker
resource-partner = De partner
resource-record = Het record

## Machtigingen, zoals in "uw rollen staan dit niet toe: ...".

permission-view-catalog-and-customers = klanten, abonnementen, aanbiedingen en upgrademogelijkheden bekijken
permission-submit-upgrade-orders = upgradebestellingen plaatsen
permission-view-upgrade-orders = upgradebestellingen bekijken
permission-resolve-credit-checks = kredietcontroles goedkeuren of afwijzen
permission-manage-roles = partnerrollen toekennen en intrekken
permission-manage-global-admins = de rol van globale beheerder toekennen en intrekken
permission-view-audit-log = het auditlogboek lezen
permission-sync-partner-data = de gegevens van de partner bijwerken uit een export

## Geweigerde upgradebestellingen.

refusal-ineligible = De upgrade is nu niet mogelijk. { $reasons }
refusal-unknown-target-offer = De doelaanbieding staat niet in de catalogus.
refusal-quantity-below-minimum = Het aantal moet tussen { $min } en { $max } liggen: bij een upgrade kunnen geen licenties worden verwijderd.
refusal-quantity-above-maximum = Het aantal moet tussen { $min } en { $max } liggen: de doelaanbieding staat maximaal { $max } licenties toe.
refusal-billing-cycle-unsupported = De doelaanbieding wordt niet verkocht met { $cycle } facturering.
refusal-upgrade-type-not-granted = U vroeg om { $asked }, maar de gedelegeerde beheerdersbevoegdheden voor deze klant staan dat niet toe.
refusal-upgrade-type-needs-user = U vroeg om { $asked }; daarvoor is een aangemelde gebruiker nodig: apps kunnen alleen upgraden zonder de licenties over te dragen.
refusal-not-pending-credit-check = De bestelling is { $state } en wacht niet op een kredietcontrole.
refusal-last-global-admin = { $user } is de laatste globale beheerder van de partner; ken eerst een andere gebruiker de rol van globale beheerder toe.
refusal-request-id-reused = Deze aanvraag-id is al gebruikt voor een andere aanvraag; stuur een nieuwe aanvraag-id.

## Gedeeltelijke upgrades en upgrades naar een bestaand abonnement (SPEC §8).
refusal-receiver-not-active = Abonnement { $subscription } kan de licenties niet ontvangen: het is niet actief.
refusal-receiver-offer-mismatch = Abonnement { $subscription } kan de licenties niet ontvangen: het is geen abonnement op de doelaanbieding.
refusal-receiver-other-channel = Abonnement { $subscription } kan de licenties niet ontvangen: het is niet via u gekocht.
refusal-receiver-cycle-mismatch = Abonnement { $subscription } kan de licenties niet ontvangen: de factureringsperiode is er geen waarnaar het bronabonnement kan overstappen.
refusal-users-exceed-quantity = U noemde { $named } gebruikers, maar er gaan maar { $quantity } licenties over; noem hooguit evenveel gebruikers als licenties.
refusal-users-not-on-source = { $count ->
    [one] Deze gebruiker heeft
   *[other] Deze { $count } gebruikers hebben
} geen licentie van het bronabonnement: { $users }.
refusal-source-seats-short = Het bronabonnement zou { $seats } licenties houden voor de { $users } gebruikers die erop blijven; verplaats minder licenties of meer gebruikers.
refusal-upgrade-already-scheduled = Voor de verlenging van dit abonnement is al een upgrade gepland (bestelling { $order }); annuleer die eerst.
refusal-renewal-not-ahead = De factureringsperiode van het abonnement eindigde op { $end }; er is geen verlenging om op te wachten, voer de upgrade nu uit.
refusal-order-not-cancellable = De bestelling is { $state }; alleen een bestelling die voor de verlenging gepland is, kan worden geannuleerd.
error-user-ids-not-partial = Alleen een gedeeltelijke upgrade met licentieoverdracht noemt de gebruikers die overgaan.
error-user-ids-too-many = Noem hooguit { $max } gebruikers.
error-user-ids-repeated = Het veld user_ids noemt een gebruiker meer dan eens.
