//! The built-in rule tables: weighted terms per category, context groups, and exceptions.
//!
//! Spec syntax (parsed once at start-up by `rules.rs`):
//! - terms are comma-separated; a term may be several words ("severed head");
//! - a word ending in `*` also matches its verb/noun inflections (kill -> kills, killed, killing,
//!   killer); `+` matches plurals/possessives only; a bare word matches exactly;
//! - a lone `_` inside a phrase matches zero to two arbitrary words ("beat _ to death");
//! - `except` lists words that, within three words of the match, mark it as benign
//!   ("killer whale", "shoot a basketball").
//!
//! Groups with weight 0 are context: they only count through the pair rules below.

use super::names;
use super::policy::Category;
use Category::*;

pub struct Spec {
    pub category: Category,
    pub group: &'static str,
    pub weight: f32,
    pub terms: &'static str,
    pub except: &'static str,
}

const fn spec(
    category: Category,
    group: &'static str,
    weight: f32,
    terms: &'static str,
    except: &'static str,
) -> Spec {
    Spec {
        category,
        group,
        weight,
        terms,
        except,
    }
}

/// Two groups that must occur within `window` words of each other; blocks `category`.
pub struct Pair {
    pub category: Category,
    pub a: &'static str,
    pub b: &'static str,
    pub window: usize,
    pub why: &'static str,
}

const HUMAN: &str =
    "man+, men, woman+, women, person+, people, persons, lady, ladies, guy+, couple+, \
    girl+, boy+, wife, wives, husband+, girlfriend+, boyfriend+, actress+, actor+, model+, \
    teacher+, student+, nurse+, cheerleader+, secretary, stepmom+, stepsister+, stepmother+, \
    milf+, him, her, them, someone, somebody, stranger+, victim+, hostage+, prisoner+, \
    soldier+, civilian+, crowd+, family, families, neighbor+, neighbour+, cop+, police, \
    officer+, protester+, worker+, classmate+, coworker+, passenger+, pedestrian+, shopper+, \
    villager+, tourist+, student+, mother+, father+, mom+, dad+, brother+, sister+, \
    grandma+, grandpa+, grandmother+, grandfather+, clerk+, cashier+, driver+, journalist+, \
    priest+, nun+, doctor+, patient+, waitress+, waiter+, jogger+, homeless, refugee+, \
    migrant+, immigrant+, president+, politician+, bystander+, hitchhiker+, rival+, \
    enemy, enemies, captive+, inmate+, guard+, teen+, teenager+, child, children, kid+, \
    baby, babies, toddler+, infant+, schoolgirl+, schoolboy+, his, hers, he, she, \
    dancer+, performer+, singer+, athlete+, swimmer+, runner+, bride+, groom+, celebrity, \
    celebrities, influencer+, housewife, housewives, maid+, babysitter+, stepdad+, stepfather+";

const MINOR: &str = "child, children, childs, kid+, kiddie+, kiddy, minor+, underage, toddler+, \
    preteen+, pre teen+, tween+, teen+, teenage, teenager+, schoolgirl+, schoolboy+, infant+, \
    baby, babies, loli+, shota+, juvenile+, pubescent, prepubescent, kindergartner+, \
    little girl+, little boy+, young girl+, young boy+, middle schooler+, grade schooler+, \
    elementary school, middle school, fifth grader+, sixth grader+, seventh grader+, \
    eighth grader+, daughter+, son+, niece+, nephew+, stepdaughter+, stepson+, boy scout+, \
    girl scout+, schoolchild, schoolchildren, youngster+, newborn+, little one+";

const SEXUAL_ANY: &str = "sex, sexual, sexually, erotically, seductively, provocatively, sexy, sexualized, sexualised, nude+, nudity, \
    naked, porn+, porno+, pornographic, pornography, erotic, erotica, explicit, undress*, \
    undressed, lingerie, seductive, seductively, seduce*, intercourse, fondle*, molest*, \
    grope*, orgasm*, masturbat*, masturbate*, topless, bottomless, genital+, genitalia, \
    breast+, boob+, nipple+, panties, thong+, strip*, striptease, stripper+, aroused, horny, \
    making out, make out, sensual, intimate, lewd, provocative, \
    provocatively, suggestive, raunchy, lust*, lustful, rape*, penis+, vagina+, crotch, \
    fuck*, no clothes, without clothes, nothing on, \
    spread _ legs, onlyfans, fetish+, bdsm, bondage";

/// Every rule table, in no particular order.
pub const SPECS: &[Spec] = &[
    // ---- sexual content involving minors (always on) ----
    spec(SexualMinors, "minor", 0.0, MINOR, "mole rat"),
    spec(SexualMinors, "sexual_any", 0.0, SEXUAL_ANY,
        ""),
    spec(SexualMinors, "csam", 1.0,
        "pedo+, pedophile+, paedophile+, pedophilia, paedophilia, pedophilic, lolicon, shotacon, \
         jailbait, child porn, kiddie porn, kiddy porn, csam, pthc, child sexual abuse, \
         child abuse material, preteen model+, underage porn, underage sex, underage nude+, \
         minor nude+, teen porn, loli porn, loli hentai, shota hentai, child bride+, \
         child prostitut*, child prostitution, child sex, groom _ child, grooming _ child, \
         grooming _ children, grooms _ child",
        ""),
    // ---- sexual content ----
    spec(Sexual, "sex_strong", 1.0,
        "sex, \
         porn+, porno+, pornographic, pornography, nsfw, xxx, hentai, intercourse, orgasm*, \
         masturbate*, masturbation, masturbating, blowjob+, blow job+, handjob+, hand job+, \
         cumshot+, creampie+, genital+, genitalia, penis+, vagina+, vulva+, clitoris, erection+, \
         sex scene+, sex tape+, having sex, have sex, has sex, had sex, sex act+, sexual act+, \
         oral sex, anal sex, sexual intercourse, erotic, erotica, striptease, stripper+, \
         strip club+, strip tease, strips naked, nudity, full frontal, fellatio, cunnilingus, \
         sodomy, sodomize*, bukkake, gangbang+, gang bang+, threesome+, orgy, orgies, dildo+, \
         onlyfans, lap dance+, sex doll+, pornstar+, porn star+, camgirl+, cam girl+, \
         make love, making love, makes love, made love, fuck*, boob+, titties, tits, \
         bare breasts, exposed breasts, exposed genitals, rape*, raping, rapist+, gang rape*, \
         sexual assault, sexually assault*, molest*, cum, cumming, ejaculat*, ejaculate*, \
         nude+, in the nude, naked body, naked bodies, xrated, x rated, hardcore sex, \
         sex worker+, bdsm, sex position+, sexting, nude photo+, nude selfie+, \
         nude scene+, dick pic+, sexual pose+, sexually explicit, explicit sex, pussy, \
         cock+, cum, upskirt, downblouse, nipple slip+, wardrobe malfunction+",
        ""),
    spec(Sexual, "sex_weak", 0.5,
        "sexual, sexually, sexy, sexier, sexiest, naked, topless, bottomless, undress*, \
         undressed, unclothed, seductive, seductively, seduce*, lingerie, horny, aroused, \
         breast+, nipple+, explicit, lewd, raunchy, lust*, lustful, fetish+, bondage, \
         prostitute*, hooker+, whore+, slut+, slutty, escort+, strip*, stripped, stripping, \
         no clothes, without clothes, wearing nothing, nothing on, spread _ legs, thong+, \
         panties, provocative, provocatively, suggestive, sensual, sensually, erotically, \
         skinny dipping, skinny dip*, shirtless _ woman, bare chested _ woman, \
         takes off _ clothes, take off _ clothes, took off _ clothes, taking off _ clothes, \
         removes _ clothes, remove _ clothes, removing _ clothes, removes _ bra, removes _ top, \
         in bed together, grind* on, twerk*, booty, butt naked, bare butt, bare bottom+",
        ""),
    spec(Sexual, "nudity", 0.0,
        "naked, topless, bottomless, undress*, undressed, unclothed, no clothes, without clothes, \
         wearing nothing, nothing on, nude+, strip*, stripping, stripped, lingerie, \
         bare breasted",
        ""),
    spec(Sexual, "human", 0.0, HUMAN, ""),
    // ---- graphic violence ----
    spec(GraphicViolence, "gore", 1.0,
        "behead*, beheading, decapitate*, decapitation, dismember*, dismemberment, disembowel*, \
         eviscerate*, evisceration, mutilate*, mutilation, gore, gory, bloodbath, blood bath, \
         massacre*, mass shooting+, school shooting+, shooting spree+, genocide, severed head+, \
         severed limb+, severed arm+, severed leg+, severed finger+, chopped off head+, cut* off _ head+, chop* off _ head+, cut* _ head off, \
         chop* _ head off, gun to _ head, pistol to _ head, \
         slit _ throat, slits _ throat, slitting _ throat, cut _ throat, cuts _ throat, \
         spurting blood, blood spurting, blood splatter*, splattered blood, blown off, \
         brains _ out, blows _ brains, burn* _ alive, burned _ alive, burnt _ alive, skin* _ alive, \
         skinned alive, buried alive, torture*, tortured, torturing, snuff film+, \
         shot in the head, shot in the face, shot in the chest, shot dead, gunned down, \
         gun down, guns down, shoot* _ in the head, shoot* _ in the face, shot _ in the head, \
         beat* _ to death, beaten _ to death, stab* _ to death, strangle* _ to death, \
         hacked _ to death, hack* _ to death, bludgeon*, execution style, public execution+, \
         firing squad, hanged _ man, lynching, lynched, crucify*, crucified, impale*, \
         guts spilling, spilling guts, entrails, disfigure*, mangled corpse+, \
         mangled body, mangled bodies, bloody corpse+, bodies piled, pile of corpses, \
         eye gouged, gouge* _ eye+, gouged out, ripped apart, torn apart limb, \
         terrorist attack+, suicide bomber+, suicide bombing+, car bomb* _ crowd, \
         blow* up _ crowd, bomb* _ school, shoots up _ school, shoot up _ school, \
         chainsaw _ through, bleeding out, bled out, headless body, headless corpse",
        "history historical documentary museum memorial remembrance lesson class prevention awareness"),
    spec(GraphicViolence, "gore_weak", 0.5,
        "body parts, bomb*, to death, blood, bloody, bloodied, bleed*, bleeding, corpse+, dead body, dead bodies, murder*, \
         slaughter*, gruesome, gunshot wound+, stab wound+, wound*, entrail+, intestine+, \
         guts, carnage, maim*, mauled, brutal, brutally, savage beating, execution, execute*, \
         assassinate*, assassination, kill*, killing, stab*, shoot*, strangle*, lynch*, \
         slash*, butcher*, maul*, choke* _ to death, suffocate*",
        "stuffed zombie zombies halloween costume makeup prop props fake ketchup video game games"),
    spec(GraphicViolence, "violent_act", 0.0,
        "kill*, killing, murder*, shoot*, shooting, shot him, shot her, shot them, shot _ dead, \
         shot and killed, stab*, stabbing, slash*, strangle*, \
         behead*, execute*, slaughter*, massacre*, maim*, torture*, beat* _ to death, \
         beaten, bludgeon*, slit*{skirt dress gown eyes eye window opening envelope}, gun down, guns down, gunned down, hack* _ to pieces, \
         set* _ on fire, sets fire to, set fire to, burn* _ alive, dismember*, decapitate*, \
         mutilate*, assassinate*, lynch*, hanged, impale*, crush* _ skull, \
         smash* _ skull, cave* _ skull, stomp* _ head, curb stomp*, shoots at, fires at, \
         opens fire, open fire, opened fire, rape*, attack* _ with _ knife, \
         attack* _ with _ machete, attack* _ with _ axe, attack* _ with _ hammer, \
         knifes, knifed, throw* acid, pour* acid, acid on _ face, is shot, was shot, gets shot, got shot, \
         being shot, been shot, throws acid, acid attack+, \
         electrocute*, waterboard*, suffocate*, stone* _ to death, stoned to death, \
         flog*, punch* _ until, kick* _ until, beat* _ until, bleed* _ out",
        "video game games pillow pillows snowball snowballs foam nerf toy toys costume halloween zombie zombies"),
    spec(GraphicViolence, "target", 0.0, HUMAN, ""),
    // ---- hate ----
    spec(Hate, "slur", 1.0,
        "nigger+, nigga+, niggas, nigg3r, kike+, spic+, chink+, faggot+, fag+, tranny, trannies, \
         wetback+, raghead+, towelhead+, gook+, sand nigger+, beaner+, kaffir+, coon+, \
         jungle bunny, porch monkey+, retard+, retards, dyke+, shemale+, zipperhead+, \
         camel jockey+, paki+, gyppo+, pikey+, golliwog+, sambo+, redskin+, squaw+, \
         yid+, heeb+, hymie+, wop+, dago+, polack+, jap+, nip+, slant eye+, slanteye+, \
         mongoloid+, half breed+, mulatto+, negro+, negroes, subhuman+, untermensch",
        ""),
    spec(Hate, "hate_strong", 1.0,
        "heil hitler, sieg heil, white power, white pride, white supremacy, white supremacist+, \
         kkk, ku klux klan, klansman, klansmen, gas the, ethnic cleansing, race war+, master race, \
         aryan race, holocaust denial, holocaust never happened, final solution, nazi salute+, \
         hitler salute+, lynch mob+, neo nazi+, neonazi+, antisemitic, anti semitic, \
         blackface, jews control, jewish conspiracy, zionist conspiracy, great replacement, \
         racial slur+, n word, nword, homophobic slur+, racist caricature+, racist cartoon+, racist joke+, \
         hate speech, gay bashing, gay bash*, fag bash*, queer bash*, burning cross+, \
         cross burning+, swastika _ synagogue, swastika _ mosque, 1488, jewish question, \
         kill all, death to all",
        "history historical documentary museum lesson lessons class prevention awareness against protest protesters counter memorial"),
    spec(Hate, "hate_weak", 0.5,
        "nazi+, swastika+, racist+, racism, bigot+, bigoted, hitler, inferior race+, \
         supremacist+, confederate flag+, noose+, caricature+, stereotype+",
        "history historical documentary museum lesson class archive film"),
    spec(Hate, "hate_act", 0.0,
        "exterminate*, extermination, eradicate*, wipe out, wiped out, wipes out, gas*, \
         gassing, gassed, deport* all, inferior, subhuman, vermin, parasite+, cockroach+, \
         are _ animals, are _ rats, are _ dogs, are _ pigs, are _ monkeys, are _ apes, are _ trash, \
         are _ filth, are _ disgusting, are a plague, are a disease, as _ monkey+, as _ ape+, \
         like _ monkey+, like _ ape+, as _ animal+, are _ thieves, are _ criminals, are _ rapists, like animals, like rats, like dogs, \
         like monkeys, as monkeys, as apes, as rats, as animals, as pigs, as vermin, are evil, are terrorists, are criminals, \
         should die, must die, deserve* to die, should be killed, should be shot, \
         go back to, dont belong, do not belong, get out of our, hate*, hating, despise*, \
         kill*, killing, mock*, mocking, ridicule*, humiliate*, beat up, beats up, \
         lynch*, purge*, cleanse*, ban all, banning all, \
         not human, less than human, scum, invaders, invasion, degenerate+, degenerates, \
         abomination+, should be banned, are a cancer, are ruining, replace* us, stereotypical, \
         big nose+, hooked nose+, slanted eyes, eating dogs, spit* on, spat on, \
         throw* stones at, chase* _ out, harass*, bully*, shout* slurs, yell* slurs",
        ""),
    spec(Hate, "protected", 0.0,
        "jews, jewish, jew, muslims, muslim, blacks, black people, black men, black women, \
         black person, african americans, gays, gay people, gay men, gay couple+, \
         homosexuals, lesbians, trans people, transgender+, trans women, trans men, \
         immigrants, refugees, migrants, mexicans, asians, chinese people, arabs, christians, \
         catholics, hindus, sikhs, gypsies, roma, romani, disabled people, the disabled, \
         wheelchair user+, latinos, hispanics, africans, foreigners, minorities, \
         people of color, black man, black woman, black boy, black girl, jewish man, \
         jewish woman, muslim man, muslim woman, gay man, gay woman, trans woman, trans man, aborigines, native americans, indigenous people, women, black family, jewish family, \
         muslim family, gay bar+, pride parade+, asian people, asian americans, arab people, \
         indians, pakistanis, somalis, haitians, palestinians, israelis, ukrainians, \
         russians, koreans, japanese people, poles, irish people, italians, autistic people, \
         deaf people, blind people, fat people, old people, elderly people, atheists",
        ""),
    // ---- self-harm ----
    spec(Hate, "worship", 0.0, "mosque+, synagogue+, church+, churches, temple+, gurdwara+", ""),
    spec(Hate, "worship_attack", 0.0,
        "burn* down, burning down, burnt down, set* fire to, set* _ on fire, torch*, bomb*, \
         firebomb*, vandaliz*, vandalis*, desecrat*, desecrate*, smash* _ windows, \
         spray* swastika+, paint* swastika+, attack*, raid*, storm*",
        ""),
    spec(SelfHarm, "selfharm_strong", 1.0,
        "suicide, suicidal, commit* suicide, gun to _ own head, gun in _ own mouth, \
         gun to _ his head, gun to _ her head, gun to _ my head, pistol to _ own head, self harm, selfharm, self harming, self injury, \
         self injure, self mutilation, self mutilate, end* _ life, ending _ life, \
         take* _ own life, taking _ own life, took _ own life, kill myself, \
         slit* _ wrist+, cut* _ wrist+, slic* _ wrist+, slash* _ wrist+, cutting _ wrist+, razor* _ wrist+, noose _ neck, \
         jump* to _ death, leap* to _ death, jumped to _ death, thinspo, thinspiration, \
         pro ana, proana, pro mia, starve* _ to death, overdose* on, od on, \
         hang* _ from _ noose, hanging from _ noose, hanged himself, hanged herself, \
         want* to die, wants to die, wanting to die, cuts on _ arm+, scars on _ wrist+, \
         fresh cuts, blade _ wrist+, swallow* _ pills, bottle of pills, handful of pills",
        "prevention hotline hotlines awareness lifeline helpline counselor counselors support crisis recovery charity"),
    spec(SelfHarm, "selfharm_weak", 0.5,
        "noose+, overdose*, pills, razor blade+, wrist+, cutting, scars, \
         bulimia, anorexia, anorexic, bulimic, edge of _ roof, edge of _ bridge, \
         ledge, goodbye note, suicide note",
        "awareness recovery recovering"),
    spec(SelfHarm, "reflexive", 0.0,
        "myself, himself, herself, themselves, themself, yourself, oneself, own wrist+, \
         own arm+, own head, own throat, own skin, own body, own life",
        ""),
    spec(SelfHarm, "self_act", 0.0,
        "kill*, killing, hang*, hanged, cut*, cutting, slit*, stab*, shoot*, shot, burn*, \
         starve*, poison*, overdose*, harm*, drown*, suffocate*, strangle*, mutilate*, \
         injure*, bleed*, slash*, scratch* until",
        "accidentally accident accidental"),
    // ---- names ----
    spec(PublicFigures, "figure", 1.0, names::PUBLIC_FIGURES, ""),
    spec(CharactersBrands, "brand", 1.0, names::CHARACTERS_BRANDS, "style styled inspired esque"),
];

pub const PAIRS: &[Pair] = &[
    Pair {
        category: SexualMinors,
        a: "minor",
        b: "sexual_any",
        window: 14,
        why: "a minor together with sexual or nudity terms",
    },
    Pair {
        category: Sexual,
        a: "nudity",
        b: "human",
        window: 8,
        why: "a person described as nude or undressing",
    },
    Pair {
        category: Sexual,
        a: "sex_weak",
        b: "human",
        window: 6,
        why: "sexualised description of a person",
    },
    Pair {
        category: GraphicViolence,
        a: "violent_act",
        b: "target",
        window: 6,
        why: "violence against a person",
    },
    Pair {
        category: Hate,
        a: "hate_act",
        b: "protected",
        window: 7,
        why: "hostility toward a protected group",
    },
    Pair {
        category: Hate,
        a: "hate_weak",
        b: "protected",
        window: 8,
        why: "hate symbol or slur context with a protected group",
    },
    Pair {
        category: Hate,
        a: "worship_attack",
        b: "worship",
        window: 6,
        why: "an attack on a place of worship",
    },
    Pair {
        category: Hate,
        a: "hate_weak",
        b: "worship",
        window: 8,
        why: "hate symbols at a place of worship",
    },
    Pair {
        category: SelfHarm,
        a: "reflexive",
        b: "self_act",
        window: 3,
        why: "a person harming themselves",
    },
];

/// Ordinary short English words: split fragments made only of these are not re-joined
/// ("be head" stays two words, while "be-head" and "nu de" are joined).
pub const COMMON_WORDS: &str = "a an the and or but if of at by for with about against between into \
    through during before after above below to from up down in out on off over under again then \
    once here there when where why how all any both each few more most other some such no nor not \
    only own same so than too very can will just should now is are was were be been being have has \
    had do does did i me my we our you your he him his she her it its they them their what which \
    who whom this that these those am as until while go goes went man men woman women boy girl \
    head heads hand hands arm arms leg legs foot feet eye eyes ear ears nose face back side top end \
    pen is it as at us so no on go to do be we he me my by ox ax oh ah hi ho ha pa ma one two \
    six ten red big old new hot cat dog sun sea sky car bus bed box toy hat cup egg ice bag pie \
    tea art day way time year home room tree fish bird cake ball game play run sit walk talk look \
    see say get put let make take give come keep turn show help call ask move live feel try leave \
    work need mean tell set lie lay cut hit win eat air ant ape arc arm ash awe bat bay bee bow cab \
    can cap cow cry dam den dew dig dot dry due ear elf elk elm era eve ewe fan far fat fee fig fin \
    fit fix fly fog fox fun fur gap gas gel gem gum gun guy gym hay hen hip hog hop hub hug hum hut \
    ink inn jam jar jaw jet jog joy key kid kit lab lap law leg lid lip log low mad map mat mix mob \
    mop mud mug nap net nut oak oar oat odd oil owl pad pan paw pea peg pet pig pin pit pot pub pun \
    rag ram rat raw ray rib rid rim rod row rub rug rye sad sap saw sew shy sip ski sly sob sow soy \
    spa spy tab tag tan tap tar tax tie tin tip toe ton tub tug van vet vow wag war web wet wig wit \
    yak yam zip zoo ahead bead read real lead dead deal meal heal seal skin";

/// Benign neighbours per word: a match whose first word is `word` (any inflection) is ignored
/// when one of these words is within three words of it ("killer whale", "shoot a basketball").
pub const WORD_EXCEPTIONS: &[(&str, &str)] = &[
    ("naked", "mole rat rats eye eyes flame flames truth tree trees branch branches wire wires bulb bulbs"),
    ("nude", "flats ballet sandals pumps boots color colour colored coloured lipstick heels heel shoes shoe palette tone tones shade shades beige pantyhose makeup nail nails polish blush paint"),
    ("topless", "car cars convertible bus jeep"),
    ("strip", "comic mall land bacon led light lights paper steak vegas runway airstrip film wallpaper paint varnish bed sheets wood furniture bark tape wire insulation chair"),
    ("stripping", "comic paint varnish bed sheets wallpaper wood furniture bark wire insulation chair"),
    ("stripped", "comic paint varnish bed sheets wallpaper wood furniture bark wire insulation chair"),
    ("undress", "doll dolls mannequin mannequins"),
    ("undressed", "doll dolls mannequin mannequins"),
    ("sex", "pistols education ed chromosome chromosomes determination determining determine determined opposite same chick chicks puppy puppies kitten kittens gender cells cell offender offenders biologist vet turtle turtles bird birds fish identify identifying"),
    ("breast", "chicken turkey duck cancer feeding stroke milk pump"),
    ("tits", "blue great coal bird birds feeder nest"),
    ("cock", "rooster hen hens farm fight fights fighting crow crows crowing weather"),
    ("pussy", "cat cats kitten willow"),
    ("erotic", "novel novels book books bookstore literature poetry"),
    ("explicit", "instructions instruction lyrics label statement"),
    ("rape", "seed seeds field fields canola oil yellow flowers"),
    ("cum", "laude summa magna"),
    ("lingerie", "ad billboard store shop window display mannequin mannequins catalog"),
    ("sexy", "car cars"),
    ("gore", "al tex vidal bull bulls rhino rhinos"),
    ("blood", "orange oranges moon drive donation donor donors test type pressure cell cells bank sugar vessel vessels sample samples transfusion"),
    ("bloody", "mary"),
    ("bleed", "heart edge nose"),
    ("bleeding", "heart edge nose"),
    ("murder", "crows crow mystery mysteries party board game games novel book podcast"),
    ("kill", "whale whales time lights light engine switch app outfit smile look process joke mood buzz dressed mockingbird it stage concert performance band show mosquito mosquitoes mosquitos bug bugs germs bacteria weeds weed pests pest flies fly"),
    ("killing", "time mosquito mosquitoes bug bugs germs bacteria weeds weed pests pest flies fly it"),
    ("shoot", "marbles marble basket baskets basketball ball balls hoop hoops photo photos photographer photograph camera cameras film filming movie scene video portrait portraits footage sunset commercial goal goals puck star stars pool breeze bamboo sprout sprouts plant plants seedling seedlings leaves garden soil fashion range gallery target targets clay selfie laser paintball nerf water toy squirt dart darts documentary vlog episode interview wedding tutorial ad advert advertisement reel arrow arrows archery bow bullseye skeet free throw jumper three pointer"),
    ("shooting", "star stars range gallery target targets clay skeet hoops basketball photo photos film movie scene video guard practice"),
    ("shot", "look glance film camera movie photo wide close closeup aerial tracking espresso tequila vodka whiskey flu vaccine booster"),
    ("is", "film camera movie 35mm digital drone iphone location"),
    ("was", "film camera movie 35mm digital drone iphone location"),
    ("execute", "dive flip backflip jump move plan trick turn maneuver pass routine spin kick order program code task perfect flawless museum axe display"),
    ("execution", "dive flip backflip jump move plan trick turn maneuver pass routine spin kick order program code task perfect flawless museum axe display"),
    ("stab", "at"),
    ("slash", "grass brush weeds through prices price sale budget costs cost waves"),
    ("slit", "skirt dress gown eyes eye window opening envelope"),
    ("torture", "chamber museum device devices exhibit"),
    ("beat", "eggs egg batter cream drum drums path chess heart game"),
    ("beaten", "eggs egg batter cream path"),
    ("butcher", "shop counter deli meat steak steaks"),
    ("lynch", "david"),
    ("hang", "painting paintings portrait photo picture pictures laundry clothes clothesline coat coats hat hats jacket hammock wall walls decorations lanterns lights upside bars out"),
    ("cut", "shaving shave slice slices piece pieces portion portions hair bangs fringe nails grass lawn hedge loose free cake bread paper wood ribbon fabric cloth cheese meat steak vegetables onion onions tomato carrot board"),
    ("cutting", "shaving shave slice slices piece pieces portion portions hair bangs fringe nails grass lawn hedge loose free cake bread paper wood ribbon fabric cloth cheese meat steak vegetables onion onions tomato carrot board"),
    ("burn", "stove oven pan pot iron tea coffee sun sunburn toast chef cook cooking kitchen grill candle candles calories"),
    ("attack", "goal net basket"),
    ("bomb", "bath photo"),
    ("gas", "station stove grill pedal tank mask leak fumes flame"),
    ("raid", "fridge refrigerator pantry"),
    ("swastika", "hindu hindus buddhist buddhists temple temples diwali ancient mosaic jain"),
    ("nazi", "grammar soup"),
    ("noose", "lasso cowboy rodeo rope knot guide sailing"),
    ("pills", "vitamin vitamins doctor pharmacy pharmacist prescribed counting"),
    ("wrist", "watch bracelet bracelets band wristband"),
    ("suicide", "squad prevention hotline hotlines awareness lifeline helpline doors door counselor counselors support crisis hope recovery help charity memorial month lemming lemmings"),
    ("drown", "work paperwork sorrow sorrows debt noise out music"),
    ("coon", "raccoon hound hounds cigarette"),
    ("spic", "span"),
    ("nip", "tuck cold bud"),
    ("dyke", "dutch dam flood"),
    ("retard", "flame flames fire growth"),
    ("negro", "river rio"),
    ("chink", "armor armour light wall"),
    ("to", "bored scared scares scaring laugh laughs laughing laughed tickled worried freezing frozen loved love sick tired"),
    ("lego", "like style type inspired"),
];
