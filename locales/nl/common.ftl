### Zinsdelen die de andere catalogi delen. Elk bericht hier heeft een
### tegenhanger met dezelfde id en dezelfde variabelen in locales/en/common.ftl.

## Opsommingen: "a en b"; "a, b en c" is list-more van "a" en "b en c".

list-pair = { $first } en { $last }
list-more = { $first }, { $rest }

# Een tekst die is opgeslagen voordat de service meerdere talen sprak.
plain-text = { $text }

## Waar een abonnement is gekocht, zoals in "... gekocht".

channel-this-partner = bij deze partner
channel-other-partner = bij een andere CSP-partner
channel-direct = rechtstreeks bij Microsoft
channel-enterprise-agreement = via een Enterprise Agreement
channel-open = via Open-/volumelicenties

## De status van een abonnement, zoals in "het abonnement is ...".

status-active = actief
status-suspended = opgeschort
status-deleted = verwijderd
status-expired = verlopen
status-disabled = uitgeschakeld
status-pending = in behandeling

## Klantsegmenten, zoals in "wordt niet verkocht aan ...".

segment-commercial = zakelijke klanten
segment-education = onderwijsinstellingen
segment-government = overheidsinstellingen
segment-nonprofit = non-profitorganisaties

## Factureringscycli, zoals in "met ... facturering".

cycle-monthly = maandelijkse
cycle-annual = jaarlijkse

## Upgradetypen.

upgrade-type-with-license-transfer = een upgrade met overdracht van de licenties
upgrade-type-upgrade-only = een upgrade zonder overdracht van de licenties

## Status van een bestelling, zoals in "de bestelling is ...".

order-state-pending-credit-check = in afwachting van een kredietcontrole
order-state-in-progress = in behandeling
order-state-completed = voltooid
order-state-failed = mislukt
order-state-rejected = afgewezen
order-state-scheduled = gepland voor de verlenging
order-state-cancelled = geannuleerd

## Markten, zoals in "hoort bij ...", en serviceniveaus.

market-global = de wereldwijde markt
market-country = de markt { $country }
level-none = geen

## Wat de partner aan een reden kan doen.

remedy-wait = Wacht tot de situatie is opgelost en controleer het daarna opnieuw.
remedy-resolve-license-conflict = Los het licentieconflict op: wijs niet meer licenties toe dan er zijn gekocht, of koop extra licenties.
remedy-pay-balance = Laat de klant het openstaande saldo betalen en controleer het daarna opnieuw.
remedy-cancel-in-other-channel = Laat de klant het abonnement annuleren waar het is gekocht en koop het nieuwe abonnement daarna hier.
remedy-change-plan-manually = Wijzig het abonnement handmatig: koop het nieuwe abonnement, wijs de licenties van de gebruikers opnieuw toe en annuleer daarna het oude abonnement.
remedy-contact-support = Neem contact op met Microsoft Ondersteuning.
remedy-request-delegated-admin = Vraag gedelegeerde beheerdersbevoegdheden voor deze klant aan of verleng ze, met de rollen die deze upgrade nodig heeft.
remedy-buy-paid-plan-first = Koop eerst de betaalde versie van het proefabonnement en upgrade daarna dat abonnement.
remedy-reactivate-subscription = Activeer het abonnement eerst opnieuw.
remedy-choose-another-target = Kies een andere aanbieding om naar te upgraden.
remedy-consolidate-plans = Breng eerst alle gebruikers onder in één abonnement van dit plan en annuleer de andere.
remedy-remove-add-on = Verwijder eerst de add-on uit het abonnement.
